/**
 * The abuse suite for request-level limits (issue 10: findings 1, 2, 3, 5, 9
 * and 9; the input hygiene of 12 is in abuse.input.test.ts), scaled to run in seconds. Each reproduction gets its coded
 * refusal, writes nothing, and leaves `/livez` and another tenant's small
 * read answering within a bound while it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedParserCache } from '../src/limits/parse-cache';
import { createLogger } from '../src/observability/logger';
import { createAppgovYoga, type AppgovYoga, onPostgres, onServedDatabase } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql, type GraphQLResponse } from './helpers/graphql';
import { abuse as abuseWith, expectLimit, postRaw as post } from './helpers/abuse';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let clientId: string;
let appIds: string[];
let admin: string;
let writeOnly: string;
let otherTenant: string;
let otherClientId: string;

beforeAll(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 30 }));
  ({ clientId: otherClientId } = seedTenant(t.db, { clientNumber: 2 }));
  admin = issueToken(t.db, 'internal').token;
  writeOnly = issueToken(t.db, 'client', clientId, ['apps:write']).token;
  otherTenant = issueToken(t.db, 'client', otherClientId, ['apps:read']).token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

/** Each abusive request, with /livez and the other tenant's small read beside it. */
function abuse(send: (server: AppgovYoga) => Promise<GraphQLResponse>, server = yoga): Promise<GraphQLResponse> {
  return abuseWith(t.sqlite, server, { clientId: otherClientId, clientName: 'Client 2', token: otherTenant }, send);
}

const FULL_SCHEMA = '__schema { types { name kind fields { name args { name type { name kind ofType { name } } } type { name kind } } } }';

describe('finding 1: documents are bounded before they are parsed or cached', () => {
  it('refuses a body over APPGOV_MAX_BODY_BYTES with 413, and still takes the largest legal bulk call', async () => {
    const padded = await abuse((s) => post(s, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` })));
    expect(padded.status).toBe(413);
    expect(errorCodes(padded)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);

    // 1,000 distinct unknown ids written as literals: accepted, each one failed, nothing written.
    const ids = Array.from({ length: 1000 }, (_, i) => `"${uuid(900_000 + i)}"`).join(', ');
    const bulk = await abuse((s) => gql(s, `mutation { approveApps(clientId: "${clientId}", appIds: [${ids}]) { succeeded failed { code } } }`, {}, admin));
    expect(bulk.body.errors).toBeUndefined();
    expect(bulk.body.data.approveApps.failed).toHaveLength(1000);
  });

  it('counts a body without Content-Length while reading it: 413 past the limit, the same body within it is served', async () => {
    const send = async (body: string, chunk: number) => {
      const bytes = new TextEncoder().encode(body);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk));
          controller.close();
        },
      });
      const res = await yoga.fetch('http://appgov.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] } };
    };
    const big = await send(JSON.stringify({ query: `{ __typename } # ${'x'.repeat(200_000)}` }), 16_384);
    expect(big.status).toBe(413);
    expect(big.body.errors!.map((e) => e.extensions)).toEqual([{ code: 'REQUEST_ENTITY_TOO_LARGE', limit: 'bodyBytes', max: expect.any(Number) }]);
    const small = await send(JSON.stringify({ query: `{ __typename } # ${'x'.repeat(20_000)}` }), 1000);
    expect([small.status, small.body]).toEqual([200, { data: { __typename: 'Query' } }]);
    const res = await yoga.fetch('http://appgov.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '12, 12' },
      body: '{"query":"{ __typename }"}',
    });
    expect(res.status).toBe(400);
  });

  it('many unique large documents, parsable or not, keep the parse cache under its byte bound', async () => {
    const cache = boundedParserCache(2_000_000);
    const server = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 }, parserCache: cache });
    for (let i = 0; i < 150; i++) {
      const comment = `# ${i} ${'y'.repeat(2_000)}`;
      await post(server, JSON.stringify({ query: `{ __typename } ${comment}` }));
      await post(server, JSON.stringify({ query: `{ __typename ${comment}` }));
    }
    expect(cache.documentCache.estimatedBytes).toBeLessThanOrEqual(cache.documentCache.maxBytes);
    expect(cache.errorCache.estimatedBytes).toBeLessThanOrEqual(cache.errorCache.maxBytes);
    // Evicted, not refused: the cache holds what fits of the newest documents.
    expect(cache.documentCache.size).toBeGreaterThan(5);
    expect(cache.documentCache.size).toBeLessThan(150);
    // A document too large for a sixteenth of the budget is never cached.
    await post(server, JSON.stringify({ query: `{ __typename } # ${'z'.repeat(60_000)}` }));
    expect(cache.documentCache.size).toBeLessThan(150);
    expect(cache.documentCache.estimatedBytes).toBeLessThanOrEqual(cache.documentCache.maxBytes);
  });

  it('refuses a document over APPGOV_MAX_TOKENS (3,000 by default) before it is parsed', async () => {
    const fields = Array.from({ length: 1600 }, () => '__typename').join(' ');
    const res = await abuse((s) => gql(s, `{ ${fields} ${fields} }`));
    expectLimit(res, 'tokens');
    expect(res.body.errors![0]!.message).toBe('The document has more than 3000 tokens; the limit is 3000.');
  });
});

describe('finding 2: aliases, directives, nesting and introspection cost, with no token', () => {
  it('refuses more than 100 aliases, introspection included', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `s${i}: __schema { queryType { name } }`).join(' ');
    const res = await abuse((s) => gql(s, `{ ${aliases} }`));
    expectLimit(res, 'aliases');
    expect(res.body.errors![0]!.message).toBe('The document has 101 aliased fields; the limit is 100.');
  });

  it('counts the values introspection would return against APPGOV_MAX_INTROSPECTION_VALUES (20,000)', async () => {
    const aliases = Array.from({ length: 30 }, (_, i) => `s${i}: ${FULL_SCHEMA}`).join(' ');
    const res = await abuse((s) => gql(s, `{ ${aliases} }`));
    expectLimit(res, 'introspection');
    expect(res.body.errors![0]!.message).toBe(
      "The operation's introspection would return more than 20000 values; the limit is 20000. Ask for the schema once.",
    );
    // One such introspection is about 4,100 values: four fit.
    const four = Array.from({ length: 4 }, (_, i) => `s${i}: ${FULL_SCHEMA}`).join(' ');
    const fits = await gql(yoga, `{ ${four} }`);
    expect(fits.body.errors).toBeUndefined();
    expect(fits.body.data.s3.types.length).toBeGreaterThan(20);
  });

  it('refuses more than 30 directives', async () => {
    const directives = Array.from({ length: 31 }, () => '__typename @include(if: true)').join(' ');
    const res = await abuse((s) => gql(s, `{ ${directives} }`));
    expectLimit(res, 'directives');
    expect(res.body.errors![0]!.message).toBe('The document has 31 directives; the limit is 30.');
  });

  it('refuses deep nesting with a coded 400, not an HTTP 500', async () => {
    const deep = `${'{ a '.repeat(5000)}${'}'.repeat(5000)}`;
    const res = await abuse((s) => gql(s, deep));
    expectLimit(res, 'nesting');
    expect(res.body.errors![0]!.message).toBe('The document nests {, [ or ( more than 32 deep; the limit is 32.');
    const list = await abuse((s) => gql(s, `{ __type(name: ${'['.repeat(100_000)}) { name } }`));
    expectLimit(list, 'nesting');
  });
});

const APPROVE_FIELD = (alias: string, ids: string) => `${alias}: approveApps(clientId: "${clientId}", appIds: ${ids}) { succeeded }`;

describe('finding 3: bulk ids and mutation fields are bounded per request', () => {
  it('refuses a second mutation field by default (APPGOV_MAX_MUTATION_FIELDS = 1), before anything runs', async () => {
    const res = await abuse((s) => gql(s, `mutation { ${APPROVE_FIELD('a', `["${appIds[0]}"]`)} ${APPROVE_FIELD('b', `["${appIds[1]}"]`)} }`, {}, admin));
    expectLimit(res, 'mutationFields');
    expect(res.body.errors![0]!.extensions).toMatchObject({ count: 2, max: 1 });
  });

  it('sums ids over every mutation field, literals and variables alike', async () => {
    const server = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, limits: { maxMutationFields: 5 } } });
    const literal = (from: number) => `[${appIds.slice(from, from + 4).map((id) => `"${id}"`).join(', ')}]`;
    const three = `mutation ($v: [ID!]!) { ${APPROVE_FIELD('a', literal(0))} ${APPROVE_FIELD('b', literal(4))} ${APPROVE_FIELD('c', '$v')} }`;
    const res = await abuse((s) => gql(s, three, { v: appIds.slice(8, 12) }, admin), server);
    expectLimit(res, 'bulkIds');
    expect(res.body.errors![0]!.message).toBe('The request names 12 ids across its mutation fields; at most 10 are allowed in one request.');
    const six = `mutation { ${Array.from({ length: 6 }, (_, i) => APPROVE_FIELD(`m${i}`, literal(i))).join(' ')} }`;
    expectLimit(await abuse((s) => gql(s, six, {}, admin), server), 'mutationFields');

    const fits = await gql(server, `mutation { ${APPROVE_FIELD('a', literal(20))} ${APPROVE_FIELD('b', `["${appIds[24]}"]`)} }`, {}, admin);
    expect(fits.body.errors).toBeUndefined();
    expect(fits.body.data.a.succeeded).toEqual(appIds.slice(20, 24));
  });
});

describe('finding 5: a mutation whose result selection would fail is refused before it writes', () => {
  const NOTE = `mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "retry me") {
    id app { history(first: 1000) { nodes { id } } } } }`;

  it('addAppHistoryNote selecting history(first: 1000)', async () => {
    const res = await abuse((s) => gql(s, NOTE, { c: clientId, a: appIds[0] }, admin));
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toBe('first must be from 1 to 100; got 1000');
    expect(res.body.errors![0]!.extensions!.field).toBe('first');
    expect(res.body.errors![0]!.path).toEqual(['addAppHistoryNote', 'app', 'history']);
  });

  it('updateApp selecting history with a bad cursor, or since after until', async () => {
    const update = (history: string) => `mutation ($c: ID!, $a: ID!) {
      updateApp(clientId: $c, appId: $a, input: { riskLevel: HIGH }) { version ${history} } }`;
    const cursor = await abuse((s) => gql(s, update('history(after: "bogus") { nodes { id } }'), { c: clientId, a: appIds[0] }, admin));
    expect(errorCodes(cursor)).toEqual(['BAD_USER_INPUT']);
    expect(cursor.body.errors![0]!.extensions!.field).toBe('after');
    const range = await abuse((s) =>
      gql(s, update('history(since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z") { nodes { id } }'), { c: clientId, a: appIds[0] }, admin),
    );
    expect(errorCodes(range)).toEqual(['BAD_USER_INPUT']);
  });

  it('a write-only token selecting state it may not read', async () => {
    const res = await abuse((s) =>
      gql(s, `mutation ($c: ID!, $a: ID!) { updateApp(clientId: $c, appId: $a, input: { riskLevel: LOW }) { id ownerEmail } }`, { c: clientId, a: appIds[0] }, writeOnly),
    );
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0]!.path).toEqual(['updateApp', 'ownerEmail']);
    const note = await abuse((s) => gql(s, NOTE.replace('history(first: 1000)', 'history(first: 1)'), { c: clientId, a: appIds[0] }, writeOnly));
    expect(errorCodes(note)).toEqual(['FORBIDDEN']);
  });

  it('a valid nested selection still runs, and a skipped field is not checked', async () => {
    const query = `mutation ($c: ID!, $a: ID!, $skip: Boolean!) { addAppHistoryNote(clientId: $c, appId: $a, note: "kept") {
      id app { history(first: 2) { nodes { id } } skipped: history(first: 1000) @skip(if: $skip) { nodes { id } } } } }`;
    const res = await gql(yoga, query, { c: clientId, a: appIds[5], skip: true }, admin);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.addAppHistoryNote.app.history.nodes).toEqual([{ id: res.body.data.addAppHistoryNote.id }]);
    const refused = await abuse((s) => gql(s, query, { c: clientId, a: appIds[5], skip: false }, admin));
    expect(refused.body.errors![0]!.path).toEqual(['addAppHistoryNote', 'app', 'skipped']);
  });

  it('the same write-only token may write and read back the catalog fields', async () => {
    const res = await gql(yoga, `mutation ($c: ID!, $a: ID!) { updateApp(clientId: $c, appId: $a, input: { riskLevel: LOW }) { id name codeName } }`, { c: clientId, a: appIds[1] }, writeOnly);
    expect(res.body).toEqual({ data: { updateApp: { id: appIds[1], name: 'App 00002', codeName: 'app-00002' } } });
  });

  it('a dry run needs apps:read as well: it reveals state', async () => {
    const res = await abuse((s) =>
      gql(s, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a, dryRun: true) { changed } }`, { c: clientId, a: [appIds[2]] }, writeOnly),
    );
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0]!.message).toBe('This token lacks the apps:read scope');
  });
});

describe('finding 9: masking is the same in every mode', () => {
  const env = process.env.NODE_ENV;
  afterAll(() => {
    process.env.NODE_ENV = env;
  });

  it('NODE_ENV=development answers INTERNAL_SERVER_ERROR without originalError; the details go to stderr', async () => {
    process.env.NODE_ENV = 'development';
    const broken = testDatabase();
    const { clientId: c } = seedTenant(broken.db);
    const token = issueToken(broken.db, 'internal').token;
    const logged: string[] = [];
    const logger = createLogger({ level: 'error', destination: { write: (line: string) => void logged.push(line) } });
    const server = createAppgovYoga({ db: broken.db, config: { maxBulkIds: 10 }, logger });
    // Broken after the server starts (GraphiQL's example reads the clients at start).
    await onServedDatabase(broken.db, { sqlite: 'DROP VIEW IF EXISTS app_history_view; ALTER TABLE clients RENAME TO clients_gone', postgres: 'ALTER TABLE clients RENAME TO clients_gone' });
    const res = await gql(server, `query ($c: ID!) { client(id: $c) { name } }`, { c }, token);
    const stderr = logged.join('\n');
    expect(res.body.errors).toEqual([{ message: 'Unexpected error.', locations: [{ line: 1, column: 19 }], path: ['client'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(res.body)).not.toMatch(/clients|SQL|sqlite|\.ts/i);
    expect(stderr).toMatch(onPostgres ? /relation \\"clients\\" does not exist/ : /no such table: clients/);
  });
});
