import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateTokenSecret, revokeToken } from '../src/auth/tokens';
import { loadConfig, type Config } from '../src/config';
import { openDatabase } from '../src/db/open';
import { workerWriter } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';

/**
 * Issue 17 item 3 (one token, one budget, however it is sent; guessing costs the guesser) and
 * item 15 (a request waits briefly for an in-flight slot before it is refused).
 */
function setup(env: Record<string, string>) {
  const t = testDatabase();
  const { clientId, appIds } = seedTenant(t.db, { appCount: 20 });
  createWorkspace(t.db, { clientId, name: 'Sales', id: uuid(901) });
  const token = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  const config: Config = { ...loadConfig(env), dbPath: ':memory:' };
  const yoga = createAppgovYoga({ db: t.db, config });
  return { t, clientId, appIds, token, yoga };
}

/** yoga.fetch with a server context (the third argument Yoga's types leave out). */
const fetchFrom = (yoga: AppgovYoga) => yoga.fetch as unknown as (url: string, init: RequestInit, serverContext: unknown) => Promise<Response>;

/** A request as if from `address` (the server context Node's HTTP server gives Yoga). */
function post(yoga: AppgovYoga, query: string, authorization: string | null, address = '10.0.0.1') {
  return fetchFrom(yoga)(
    'http://appgov.test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
      body: JSON.stringify({ query }),
    },
    { req: { socket: { remoteAddress: address } } },
  );
}

describe('one token, one budget', () => {
  it('every spelling of the Authorization header spends the same budget', async () => {
    const s = setup({ APPGOV_RATE_LIMIT_BURST: '10', APPGOV_RATE_LIMIT_PER_SECOND: '1' });
    const spellings = [`Bearer ${s.token}`, `bearer ${s.token}`, `Bearer  ${s.token}`, `BEARER ${s.token}`, `Bearer\t${s.token}`];
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post(s.yoga, '{ __typename }', spellings[i % spellings.length]!)).status);
    // 10 from the burst, perhaps 1 more refilled meanwhile; the other 19 or 20 refused.
    const admitted = statuses.filter((status) => status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - admitted);
  });

  it("Slack's token parameter spends the same budget as the header form of the same token", async () => {
    const s = setup({ APPGOV_RATE_LIMIT_BURST: '3', APPGOV_RATE_LIMIT_PER_SECOND: '1' });
    for (let i = 0; i < 3; i++) expect((await post(s.yoga, '{ __typename }', `bearer ${s.token}`)).status).toBe(200);
    const slack = await fetchFrom(s.yoga)(
      'http://appgov.test/api/admin.apps.approved.list',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${s.token}&enterprise_id=${s.clientId}` },
      { req: { socket: { remoteAddress: '10.0.0.9' } } },
    );
    expect([slack.status, await slack.json(), Number(slack.headers.get('retry-after')) >= 1]).toEqual([429, { ok: false, error: 'ratelimited' }, true]);
  });

  it('unknown, malformed, revoked tokens spend their address budget: guessing is refused, other addresses and real tokens are not', async () => {
    const s = setup({ APPGOV_RATE_LIMIT_BURST: '5', APPGOV_RATE_LIMIT_PER_SECOND: '1' });
    const revoked = issueToken(s.t.db, 'internal', undefined, undefined, 'revoked');
    revokeToken(s.t.db, revoked.id);
    const headers = Array.from({ length: 6 }, () => `Bearer ${generateTokenSecret()}`);
    headers.splice(2, 0, `Bearer ${revoked.token}`);
    headers.push('Bearer hello');
    const guesses: number[] = [];
    for (const header of headers) guesses.push((await post(s.yoga, '{ __typename }', header)).status);
    expect(guesses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Another address has a budget of its own; a real token from the guessing address has its token's.
    expect((await post(s.yoga, '{ __typename }', `Bearer ${generateTokenSecret()}`, '10.0.0.2')).status).toBe(401);
    expect((await post(s.yoga, '{ __typename }', `Bearer ${s.token}`)).status).toBe(200);
  });
});

describe('a request waits briefly for an in-flight slot', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });
  /** A file database with bulk calls in the writer thread, as `npm start` serves one: their executions overlap. */
  function served(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-queue-'));
    const database = openDatabase(join(dir, 'appgov.db'), { dbBusyTimeoutMs: 10 });
    const { clientId, appIds } = seedTenant(database.db, { appCount: 30 });
    const token = issueToken(database.db, 'client', clientId, ['apps:read', 'apps:write'], 'script').token;
    const writer = workerWriter({ path: database.file!.path, busyTimeoutMs: 10, logger: createLogger({ level: 'silent' }) });
    const yoga = createAppgovYoga({ db: database.db, config: { ...loadConfig(env), dbPath: database.file!.path }, file: database.file, writer });
    cleanup.push(async () => {
      await writer.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { clientId, appIds, token, yoga };
  }
  const read = (clientId: string) => `{ client(id: "${clientId}") { name apps(first: 10) { nodes { id isApproved name } } } }`;
  const approve = (clientId: string, id: string) => `mutation { approveApps(clientId: "${clientId}", appIds: ["${id}"]) { succeeded } }`;
  const tenAtOnce = (s: ReturnType<typeof served>, query: (i: number) => string) =>
    Promise.all(Array.from({ length: 10 }, (_, i) => post(s.yoga, query(i), `Bearer ${s.token}`)));

  it('10 concurrent reads and 10 concurrent bulk calls of one token on an idle server all succeed with the default limits', async () => {
    const s = served({});
    const reads = await tenAtOnce(s, () => read(s.clientId));
    expect(reads.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const answer of reads) expect((await answer.json()).data.client.apps.nodes).toHaveLength(10);
    const writes = await tenAtOnce(s, (i) => approve(s.clientId, s.appIds[i]!));
    expect(writes.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await Promise.all(writes.map(async (r) => (await r.json()).data.approveApps.succeeded))).toEqual(s.appIds.slice(0, 10).map((id) => [id]));
  });

  it('without a queue (APPGOV_MAX_QUEUED_PER_TOKEN=0) the same bulk calls overlap and the fifth is refused', async () => {
    const s = served({ APPGOV_MAX_QUEUED_PER_TOKEN: '0' });
    const writes = await tenAtOnce(s, (i) => approve(s.clientId, s.appIds[i]!));
    expect(writes.map((r) => r.status)).toContain(429);
  });

  it('a request past the queue is turned away at once, one that waits past APPGOV_QUEUE_WAIT_MS is refused: 429 and Retry-After', async () => {
    const s = served({ APPGOV_MAX_IN_FLIGHT_PER_TOKEN: '1', APPGOV_MAX_QUEUED_PER_TOKEN: '2', APPGOV_QUEUE_WAIT_MS: '1' });
    const writes = await tenAtOnce(s, (i) => approve(s.clientId, s.appIds[i]!));
    const messages = await Promise.all(writes.map(async (r) => [r.status, r.headers.get('retry-after'), (await r.json()).errors?.[0]?.message ?? 'ok']));
    expect(messages.filter(([status]) => status === 200).length).toBeGreaterThanOrEqual(1);
    expect(messages).toContainEqual([429, '1', 'Rate limited: more than 1 requests of this token at once and 2 waiting. Nothing was executed; retry after 1 s.']);
    expect(messages).toContainEqual([429, '1', "Rate limited: no slot of this token's 1 in flight came free within 1 ms. Nothing was executed; retry after 1 s."]);
    for (const [status, retryAfter] of messages) expect(status === 200 || (status === 429 && retryAfter === '1')).toBe(true);
  });
});
