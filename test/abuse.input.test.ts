/**
 * Input hygiene from the adversarial pass (issue 10, finding 12): each
 * reproduction is refused with a code, names the argument as the client
 * wrote it, writes nothing, and leaves /livez and another tenant's read fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { codeNameFrom, createApp } from '../src/services/apps';
import { parseIdList } from '../src/services/ids';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { abuse as abuseWith, postRaw } from './helpers/abuse';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql, type GraphQLResponse } from './helpers/graphql';
import { expectRefusal } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let clientId: string;
let appIds: string[];
let admin: string;
let bystander: { clientId: string; clientName: string; token: string };

beforeAll(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 3 }));
  const other = seedTenant(t.db, { clientNumber: 2 });
  admin = issueToken(t.db, 'internal').token;
  bystander = { clientId: other.clientId, clientName: 'Client 2', token: issueToken(t.db, 'client', other.clientId, ['apps:read']).token };
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 5000 } });
});

function abuse(send: (server: AppgovYoga) => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  return abuseWith(t.sqlite, yoga, bystander, send);
}

function expectBadInput(res: GraphQLResponse, field: string) {
  expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  expect(res.body.errors![0]!.extensions!.field).toBe(field);
}

const NOTE = 'mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) { id } }';
const UPDATE = 'mutation ($c: ID!, $a: ID!, $i: UpdateAppInput!) { updateApp(clientId: $c, appId: $a, input: $i) { id } }';

describe('strings must be well-formed Unicode', () => {
  it('refuses a lone surrogate in a variable, naming the variable', async () => {
    const res = await abuse((s) => gql(s, NOTE, { c: clientId, a: appIds[0], n: 'half a pair: \ud83d' }, admin));
    expectBadInput(res, '$n');
    expect(res.body.errors![0]!.message).toBe('$n holds a lone UTF-16 surrogate: strings must be well-formed Unicode');
  });

  it('at any depth of an input object', async () => {
    const res = await abuse((s) => gql(s, UPDATE, { c: clientId, a: appIds[0], i: { riskLevel: 'LOW', reason: '\udc00 trailing half' } }, admin));
    expectBadInput(res, '$i.reason');
  });

  it('and in a literal, where graphql-js refuses it as a syntax error', async () => {
    const body = `{"query":"mutation { addAppHistoryNote(clientId: \\"${clientId}\\", appId: \\"${appIds[0]}\\", note: \\"\\ud800\\") { id } }"}`;
    const res = await abuse((s) => postRaw(s, body, admin));
    expect(errorCodes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('a full pair is fine', async () => {
    const res = await gql(yoga, NOTE.replace('{ id }', '{ note }'), { c: clientId, a: appIds[1], n: 'ok 👍' }, admin);
    expect(res.body).toEqual({ data: { addAppHistoryNote: { note: 'ok 👍' } } });
  });
});

describe('DateTime is a real instant', () => {
  const HISTORY = 'query ($c: ID!, $since: DateTime) { client(id: $c) { history(first: 1, since: $since) { nodes { id } } } }';

  it.each(['2026-02-30T00:00:00Z', '2026-04-31T12:00:00Z', '2025-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+25:00'])(
    'refuses %s (it does not survive a round trip)',
    async (since) => {
      const variable = await gql(yoga, HISTORY, { c: clientId, since }, admin);
      expect(errorCodes(variable)).toEqual(['BAD_USER_INPUT']);
      const literal = await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 1, since: "${since}") { nodes { id } } } }`, { c: clientId }, admin);
      expect(errorCodes(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(literal.body.errors![0]!.message).toContain(`DateTime must be an ISO 8601 date-time with a time zone`);
    },
  );

  it.each(['2024-02-29T00:00:00Z', '2026-01-31T23:59:59.999+05:30', '2026-03-01T00:30:00-01:00'])('accepts %s', async (since) => {
    const res = await gql(yoga, HISTORY, { c: clientId, since }, admin);
    expect(res.body.errors).toBeUndefined();
  });
});

describe('free text and emails', () => {
  it.each([
    ['a NUL byte', 'owner\u0000@example.com'],
    ['a bell', 'owner\u0007@example.com'],
    ['a zero-width space', 'own\u200Ber@example.com'],
  ])('refuses an email with %s', async (_name, ownerEmail) => {
    const res = await abuse((s) => gql(s, UPDATE, { c: clientId, a: appIds[0], i: { ownerEmail } }, admin));
    expectBadInput(res, 'input.ownerEmail');
  });

  it.each([
    ['zero-width spaces', '\u200B\u200B\u200B'],
    ['a BOM, a word joiner and spaces', ' \uFEFF\u2060 '],
    ['a Hangul filler', '\u3164'],
  ])('refuses a note of only %s', async (_name, n) => {
    const res = await abuse((s) => gql(s, NOTE, { c: clientId, a: appIds[0], n }, admin));
    expectBadInput(res, 'note');
  });

  it('refuses a note with a control character, and a reason of only invisible characters', async () => {
    expectBadInput(await abuse((s) => gql(s, NOTE, { c: clientId, a: appIds[0], n: 'ring \u0007' }, admin)), 'note');
    const reason = await abuse((s) => gql(s, UPDATE, { c: clientId, a: appIds[0], i: { riskLevel: 'LOW', reason: '\u200B' } }, admin));
    expectBadInput(reason, 'input.reason');
  });

  it('refuses client and app names with control characters or nothing visible', () => {
    expect(expectRefusal(t.sqlite, () => createApp(t.db, { name: 'Evil\u0000App' })).message).toBe('name must not contain control characters');
    expect(expectRefusal(t.sqlite, () => createApp(t.db, { name: '\u200B\u200D' })).message).toBe(
      'name must contain visible characters, not only spaces or invisible ones',
    );
  });

  it('keeps line breaks and tabs in a note', async () => {
    const res = await gql(yoga, NOTE.replace('{ id }', '{ note }'), { c: clientId, a: appIds[2], n: 'line one\n\tline two' }, admin);
    expect(res.body).toEqual({ data: { addAppHistoryNote: { note: 'line one\n\tline two' } } });
  });
});

describe('errors name the argument as the client wrote it', () => {
  it('client(id:) and Client.app(id:) say `id`', async () => {
    expectBadInput(await gql(yoga, '{ client(id: "nope") { name } }', {}, admin), 'id');
    const app = await gql(yoga, `query ($c: ID!) { client(id: $c) { app(id: "nope") { name } } }`, { c: clientId }, admin);
    expectBadInput(app, 'id');
  });
});

describe('operations the API does not serve', () => {
  it('a subscription over a plain JSON request is refused with a code, not held open', async () => {
    const res = await abuse((s) => gql(s, 'subscription ($c: ID!) { historyEvents(clientId: $c) { id } }', { c: clientId }));
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'A subscription is served as a stream: send it with the header Accept: text/event-stream (Server-Sent Events)',
        extensions: { code: 'BAD_USER_INPUT', field: 'Accept' },
      }),
    ]);
    const invalid = await abuse((s) => gql(s, 'subscription { __typename }'));
    expect(invalid.body.errors![0]!.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

describe('invalid id lists are named once, briefly', () => {
  it('a million invalid ids: five named with the count, in a short message', () => {
    const ids = Array.from({ length: 1_000_000 }, (_, i) => `bad-${i}`);
    const error = expectRefusal(t.sqlite, () => parseIdList(ids, 'appIds', 2_000_000));
    expect(error.message).toBe('appIds has ids that are not a UUID (8-4-4-4-12 hexadecimal): "bad-0", "bad-1", "bad-2", "bad-3", "bad-4" and 999995 more');
    expect(error.details).toEqual({ field: 'appIds', invalidCount: 1_000_000 });
  });

  it('an over-long invalid id is cut short', () => {
    const error = expectRefusal(t.sqlite, () => parseIdList(['x'.repeat(100_000)], 'appIds', 10));
    expect(error.message).toBe(`appIds has an id that is not a UUID (8-4-4-4-12 hexadecimal): "${'x'.repeat(60)}…"`);
  });

  it('through the API, the answer stays small and does not repeat the ids', async () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `not-an-id-${i}`);
    const res = await abuse((s) => gql(s, 'mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded } }', { c: clientId, a: ids }, admin));
    expectBadInput(res, 'appIds');
    expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'appIds', invalidCount: 4000 });
    expect(JSON.stringify(res.body).length).toBeLessThan(600);
  });
});

describe('code names from names without a Latin spelling', () => {
  it('get a unique slug instead of collapsing to "app"', () => {
    const names = ['日本語アプリ', '中文应用', 'Приложение', 'تطبيق'];
    const codes = names.map(codeNameFrom);
    for (const code of codes) expect(code).toMatch(/^app-[0-9a-f]{8}$/);
    expect(new Set(codes).size).toBe(names.length);
    expect(codeNameFrom('Zoom 2 Поиск')).toMatch(/^zoom-2-[0-9a-f]{8}$/);
  });

  it('Latin names keep their readable slug, accents dropped', () => {
    expect(codeNameFrom('Paper Trail')).toBe('paper-trail');
    expect(codeNameFrom('Crème Brûlée')).toBe('creme-brulee');
    expect(codeNameFrom('!!!')).toBe('app');
  });

  it('two such apps can both be created', () => {
    const a = createApp(t.db, { name: 'Карты' });
    const b = createApp(t.db, { name: 'Почта' });
    expect(a.codeName).not.toBe(b.codeName);
  });
});
