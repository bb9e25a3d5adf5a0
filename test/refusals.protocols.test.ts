import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../src/config';
import { maxRouteBodyBytes } from '../src/routes';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { expectRefusal, headersOf, protocolCalls, type Answer, type ProtocolCall } from './helpers/protocols';
import { fileTenants } from './helpers/resilience';
import { tableCounts } from './helpers/tables';

/**
 * Issue 18 item 3: a refusal made before the route table runs answers in the protocol of the
 * path: Slack's `{"ok":false,"error":"ratelimited"}` (429, Retry-After) under /api, REST's
 * `{"error":{code,message}}` under /v2 and /v3, the same with Deprecation/Sunset/Link under
 * /platform/v1, GraphQL's `{"errors":[…]}` on /graphql. (Connection limits and timeouts, which
 * need real sockets: test/http.limits.test.ts.)
 */
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

async function send(yoga: AppgovYoga, call: ProtocolCall, authorization: string | null, body = call.body): Promise<Answer> {
  const res = await yoga.fetch(`http://appgov.test${call.path}`, {
    method: call.method,
    headers: { 'content-type': call.contentType, ...(authorization ? { authorization } : {}) },
    ...(call.method === 'GET' ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: headersOf(res.headers), body: text === '' ? null : JSON.parse(text) };
}

function memoryServer(config: Partial<Config>) {
  const t = testDatabase();
  const { clientId } = seedTenant(t.db, { appCount: 3 });
  const token = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, ...config } });
  cleanup.push(() => t.close());
  return { t, yoga, token, clientId, calls: protocolCalls(clientId) };
}

/** A file database whose write lock another connection holds: one mutation of `hammer` stays in flight. */
function withOneInFlight(config: Partial<Config>) {
  const s = fileTenants({ writeWaitMs: 5000, ...config });
  const holder = new Database(s.path);
  holder.exec('BEGIN IMMEDIATE');
  const inFlight = s.yoga.fetch('http://appgov.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.hammer}` },
    body: JSON.stringify({ query: `mutation { approveApps(clientId: "${s.a.clientId}", appIds: ["${s.a.appIds[0]}"]) { succeeded } }` }),
  });
  const done = async () => {
    holder.exec('ROLLBACK');
    holder.close();
    await (await inFlight).text();
    s.database.close();
    s.remove();
  };
  return { s, done, calls: protocolCalls(s.a.clientId) };
}

describe('early refusals in the protocol of the path', () => {
  it('a token already out of budget: refused on arrival, in each protocol, nothing written', async () => {
    const s = memoryServer({ rateLimitPerSecond: 1, rateLimitBurst: 2 });
    const spend = s.calls[0]!;
    for (let i = 0; i < 2; i++) expect((await send(s.yoga, spend, `Bearer ${s.token}`)).status).toBe(200);
    const before = tableCounts(s.t.sqlite);
    for (const call of s.calls) expectRefusal(call.protocol, 'RATE_LIMITED', await send(s.yoga, call, `Bearer ${s.token}`));
    // Slack's token parameter: the same token, the same budget, the same answer.
    const slack = s.calls.find((c) => c.protocol === 'slack')!;
    expectRefusal('slack', 'RATE_LIMITED', await send(s.yoga, slack, null, `${slack.body}&token=${s.token}`));
    expect(tableCounts(s.t.sqlite)).toEqual(before);
  });

  it("a token whose slots and queue are full: refused on arrival, in each protocol", async () => {
    const { s, done, calls } = withOneInFlight({ maxInFlightPerToken: 1, maxQueuedPerToken: 0 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const call of calls) {
        const answer = await send(s.yoga, call, `Bearer ${s.hammer}`);
        expectRefusal(call.protocol, 'RATE_LIMITED', answer);
        if (call.protocol !== 'slack') expect(JSON.stringify(answer.body)).toContain('more than 1 requests of this token at once');
      }
    } finally {
      await done();
    }
  });

  it('a request that waited past APPGOV_QUEUE_WAIT_MS for a slot: refused, in each protocol', async () => {
    const { s, done, calls } = withOneInFlight({ maxInFlightPerToken: 1, maxQueuedPerToken: 10, queueWaitMs: 50 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answers = await Promise.all(calls.map(async (call) => [call, await send(s.yoga, call, `Bearer ${s.hammer}`)] as const));
      for (const [call, answer] of answers) {
        expectRefusal(call.protocol, 'RATE_LIMITED', answer);
        if (call.protocol !== 'slack') expect(JSON.stringify(answer.body)).toContain("no slot of this token's 1 in flight came free within 50 ms");
      }
    } finally {
      await done();
    }
  });

  it('a body over the route limit: 413 in each route protocol (v1 with its deprecation headers)', async () => {
    const s = memoryServer({});
    const huge = 'x'.repeat(maxRouteBodyBytes(10) + 1);
    for (const call of s.calls.filter((c) => c.method === 'POST' && c.protocol !== 'graphql')) {
      const body = call.contentType === 'application/json' ? JSON.stringify({ pad: huge }) : `pad=${huge}`;
      expectRefusal(call.protocol, 'PAYLOAD_TOO_LARGE', await send(s.yoga, call, `Bearer ${s.token}`, body));
    }
  });
});
