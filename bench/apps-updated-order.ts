/**
 * Client.apps per-page time by order, on 50,000 public apps of which a third
 * have this client's state row: the first page and page 1,200 of 20, each the
 * mean of 200 calls. Run: npx tsx bench/apps-updated-order.ts [checkout]
 * (a checkout's own src, e.g. /work/main, to compare against this tree).
 */
import { resolve } from 'node:path';

type Apps = typeof import('../src/services/apps');
type Open = typeof import('../src/db/open');
type Clients = typeof import('../src/services/clients');

const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..'));
const { listClientApps } = (await import(`${root}/src/services/apps.ts`)) as Apps;
const { openDatabase } = (await import(`${root}/src/db/open.ts`)) as Open;
const { createClient } = (await import(`${root}/src/services/clients.ts`)) as Clients;

const { db, sqlite } = openDatabase(':memory:');
const clientId = '00000000-0000-4000-8000-000000000900';
createClient(db, { id: clientId, name: 'Bench' });
sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
  INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
  SELECT printf('e0000000-0000-4000-8000-%012d', (i * 7919) % 50000), printf('app-%d', i), printf('App %06d', i), '[]', 0, 0 FROM n`);
sqlite.exec(`INSERT INTO client_app_states (client_id, app_id, resolution, version, updated_at)
  SELECT '${clientId}', id, 'unresolved', 1, 1700000000000 + rowid * 1000 FROM apps WHERE rowid % 3 = 0`);

console.log(`${root}: 50,000 apps, 16,666 changed`);
for (const field of ['NAME', 'UPDATED_AT'] as const) {
  for (const direction of ['ASC', 'DESC'] as const) {
    const query = { clientId, first: 20, orderBy: { field, direction } };
    let after: string | undefined;
    let late: string | undefined;
    for (let page = 1; page <= 1200; page++) {
      // Awaited: a promise since listClientApps became async; a plain value from an older checkout (--root).
      after = (await listClientApps(db, { ...query, after })).items.at(-1)!.cursor;
      if (page === 1199) late = after;
    }
    const time = async (cursor?: string) => {
      await listClientApps(db, { ...query, after: cursor });
      const started = performance.now();
      for (let i = 0; i < 200; i++) await listClientApps(db, { ...query, after: cursor });
      return ((performance.now() - started) / 200).toFixed(2);
    };
    console.log(`${field} ${direction}: first page ${await time()} ms, page 1,200 ${await time(late)} ms`);
  }
}
