/**
 * Issue 16: Client.appDecisions (the org-level decision listing) on Postgres. SQLite lists it in its
 * state rows' rowid order (when the client first decided or edited each app; an upsert keeps it);
 * Postgres names that order client_app_states.row_seq. The same decisions made in the same order on
 * both stores list the same pages with the same cursors, every resolution and page size; a later
 * change of an app keeps its place; bad cursors are refused alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import * as liteDecisions from '../src/services/app-decisions';
import { decide, type DecideInput } from '../src/services/decisions';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import * as pgDecisions from '../src/store/postgres/app-decisions';
import { decidePg } from '../src/store/postgres/decisions';
import { uuid } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const OTHER = 'c0000000-0000-4000-8000-000000000002';
const actor: Principal = { tokenId: 't', kind: 'internal', name: 'ops', clientId: null, scopes: ['apps:read', 'apps:write'] };
// Not in id order: the listing's order is the order of first decision, not the apps'.
const ORDER = [7, 3, 12, 1, 9, 4, 11, 2, 10, 5, 8, 6];

let lite: OpenedDatabase;
let pg: OpenedPostgres;

beforeAll(async () => {
  lite = openDatabase(':memory:');
  createClient(lite.db, { id: CLIENT, name: 'Acme' });
  createClient(lite.db, { id: OTHER, name: 'Other' });
  for (let i = 1; i <= 12; i++) createApp(lite.db, { id: uuid(i), name: `App ${i}` });
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
  for (const table of ['clients', 'apps']) await copyRows(lite.sqlite, pg.pool, table);
  const calls: Omit<DecideInput, 'actor' | 'scopes' | 'reason' | 'requestId'>[] = [
    ...ORDER.map((n, i) => ({ clientId: CLIENT, workspaceId: null, appIds: [uuid(n)], action: i % 3 === 2 ? ('restrict' as const) : ('approve' as const) })),
    // The other tenant decides too, between this client's rows.
    { clientId: OTHER, workspaceId: null, appIds: [uuid(1), uuid(2)], action: 'approve' },
    // Later changes keep each app's place: 7 restricted, 12 unapproved, 3 approved again.
    { clientId: CLIENT, workspaceId: null, appIds: [uuid(7)], action: 'restrict' },
    { clientId: CLIENT, workspaceId: null, appIds: [uuid(12), uuid(3)], action: 'unapprove' },
    { clientId: CLIENT, workspaceId: null, appIds: [uuid(3)], action: 'approve' },
  ];
  for (const [i, call] of calls.entries()) {
    const input = { ...call, actor, scopes: null, reason: null, requestId: null, now: new Date(1_800_000_000_000 + i * 1000) };
    decide(lite.db, input);
    await decidePg(pg.db, input);
  }
});

afterAll(async () => {
  lite?.close();
  await pg?.close();
});

const outcome = async (run: () => unknown) => {
  try {
    return { ok: await run() };
  } catch (error) {
    const e = error as { code?: string; message: string; details?: unknown };
    return { error: [e.code, e.message, e.details] };
  }
};

describe('Client.appDecisions on Postgres', () => {
  it('lists the same pages, in first-decision order, with the same cursors as SQLite', async () => {
    for (const resolution of ['approved', 'restricted'] as const) {
      for (const first of [1, 2, 5, 100]) {
        let after: string | null = null;
        const seen: string[] = [];
        for (let page = 0; page < 20; page++) {
          const input = { clientId: CLIENT, workspaceId: null, resolution, first, after };
          const a = liteDecisions.listAppDecisions(lite.db, input);
          const b = await pgDecisions.listAppDecisions(pg.db, input);
          expect(b, `${resolution} first ${first} page ${page}`).toEqual(a);
          seen.push(...a.items.map((d) => d.appId));
          if (!a.hasNextPage) break;
          after = a.items.at(-1)!.cursor;
        }
        expect(new Set(seen).size, `${resolution} first ${first}`).toBe(seen.length);
      }
    }
    const approved = (await pgDecisions.listAppDecisions(pg.db, { clientId: CLIENT, workspaceId: null, resolution: 'approved', first: 100, after: null })).items.map((d) => d.appId);
    // First-decision order, not app order: 7 was decided first (then restricted), 3 second (unapproved, approved again: its place kept).
    expect(approved).toEqual([3, 1, 9, 11, 2, 5, 8].map(uuid));
  });

  it('refuses bad cursors as SQLite does', async () => {
    const workspaceCursor = liteDecisions.listAppDecisions(lite.db, { clientId: CLIENT, workspaceId: null, resolution: 'restricted', first: 1, after: null }).items[0]!.cursor;
    for (const after of ['nope', '', workspaceCursor]) {
      const input = { clientId: CLIENT, workspaceId: null, resolution: 'approved' as const, first: 2, after };
      expect(await outcome(() => pgDecisions.listAppDecisions(pg.db, input)), after).toEqual(await outcome(() => liteDecisions.listAppDecisions(lite.db, input)));
    }
  });

  it('is a seek on (client, resolution, row_seq)', async () => {
    const { rows } = await pg.pool.query(
      `EXPLAIN SELECT app_id FROM client_app_states WHERE client_id = $1 AND resolution = 'approved' AND row_seq > 3 ORDER BY row_seq LIMIT 3`,
      [CLIENT],
    );
    const text = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('client_app_states_resolution_idx');
    expect(text).not.toContain('Sort');
  });
});
