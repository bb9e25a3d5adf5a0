/**
 * Issue 16's fault case at the front door: a compiled instance (as `npm start` runs it) on a Postgres
 * server that stops while calls stream in. Writes and reads answer a coded 503 (UNAVAILABLE, with
 * Retry-After) within the bounds, never a 500 or a hang; /health says 503; when the server is back
 * the same instance serves again without a restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres';
import { createApp } from '../src/store/postgres/catalog';
import { createClient } from '../src/store/postgres/tenants';
import { createToken } from '../src/store/postgres/tokens';
import { startTestPostgres, type TestPostgres } from './helpers/postgres-server';
import { startServer, stopServer, type StartedServer } from './helpers/server';

const CLIENT = 'c0000000-0000-4000-8000-0000000000f1';
const APP = 'a0000000-0000-4000-8000-0000000000f1';

let server: TestPostgres | undefined;
let instance: StartedServer | undefined;
afterAll(async () => {
  if (instance) await stopServer(instance);
  await server?.stop();
});

describe('an instance whose Postgres server stops and comes back', () => {
  it('answers 503 UNAVAILABLE within the bounds while it is away, /health 503, and serves again once back', { timeout: 90_000 }, async (context) => {
    // Needs a server of its own to stop: not with APPGOV_TEST_DATABASE_URL.
    if (process.env.APPGOV_TEST_DATABASE_URL) return context.skip();
    server = await startTestPostgres();
    const setup = await openPostgres(server.url, { poolSize: 1 });
    await createClient(setup.db, { id: CLIENT, name: 'Faults' });
    await createApp(setup.db, { id: APP, name: 'Fault app' });
    const { token } = await createToken(setup.db, { kind: 'internal', name: 'faults' });
    await setup.close();
    instance = await startServer({ APPGOV_DATABASE_URL: server.url, NODE_ENV: 'production', APPGOV_DB_POOL_SIZE: '4' });
    const base = instance.base;
    const approve = (action: 'approveApps' | 'removeAppApprovals') =>
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `mutation { ${action}(clientId: "${CLIENT}", appIds: ["${APP}"]) { changed } }` }),
      });
    expect((await approve('approveApps')).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);

    await server.halt!();
    const away: { status: number; code: unknown; retryAfter: string | null; ms: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const res = await approve(i % 2 ? 'approveApps' : 'removeAppApprovals');
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      away.push({ status: res.status, code: body.errors?.[0]?.extensions?.code, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started });
    }
    const health = await fetch(`${base}/health`);
    const healthBody = (await health.json()) as { checks: { server: string } };
    for (const a of away) {
      expect([a.status, a.code]).toEqual([503, 'UNAVAILABLE']);
      expect(a.retryAfter).toMatch(/^\d+$/);
      // The token lookup's connect bound (2 s) and the write's: never a hang.
      expect(a.ms).toBeLessThan(10_000);
    }
    expect(health.status).toBe(503);
    expect(healthBody.checks.server).toBe('unreachable');

    await server.resume!();
    let back = 0;
    for (let i = 0; i < 40 && back !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      back = (await fetch(`${base}/health`)).status;
    }
    expect(back).toBe(200);
    const again = await approve('removeAppApprovals');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { data: { removeAppApprovals: { changed: string[] } } }).data.removeAppApprovals.changed).toEqual([APP]);
  });
});
