import { describe, expect, it } from 'vitest';
import { createAppgovYoga, onPostgres } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';

describe('HTTP surface', () => {
  it('answers queries over GET, and refuses mutations over GET', async () => {
    const t = testDatabase();
    const { clientId, appIds } = seedTenant(t.db, { appCount: 1 });
    const token = issueToken(t.db, 'internal').token;
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const get = (query: string) =>
      yoga.fetch(`http://appgov.test/graphql?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${token}` } });

    const read = await get(`{ client(id: "${clientId}") { apps { nodes { id } } } }`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ data: { client: { apps: { nodes: [{ id: appIds[0] }] } } } });

    const write = await get(`mutation { approveApps(clientId: "${clientId}", appIds: ["${appIds[0]}"]) { succeeded } }`);
    expect(write.status).toBe(405);
    expect(t.sqlite.prepare('SELECT count(*) AS n FROM app_history_events').get()).toEqual({ n: 0 });
  });

  // SQLite only: it closes SQLite's connection; /health on Postgres: test/postgres-health.test.ts and the fault tests.
  it.skipIf(onPostgres)('/health is 200 while the database answers and 503 once it does not', async () => {
    const t = testDatabase();
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const ok = await yoga.fetch('http://appgov.test/health');
    expect([ok.status, await ok.json()]).toEqual([200, { status: 'ok', checks: { file: 'memory', read: 'ok', write: 'ok' }, problems: [] }]);
    t.close();
    const down = await yoga.fetch('http://appgov.test/health');
    expect([down.status, await down.json()]).toEqual([
      503,
      {
        status: 'unavailable',
        checks: { file: 'memory', read: 'failed', write: 'failed' },
        problems: ['reading the database failed (details in the log)', 'writing to the database failed (details in the log)'],
      },
    ]);
    const live = await yoga.fetch('http://appgov.test/livez');
    expect(live.status).toBe(200);
  });
});
