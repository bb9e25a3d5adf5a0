/**
 * Issue 16: install requests read on Postgres as on SQLite over the same rows (copied raw): one by id,
 * a client's and a workspace's by status, newest first, page by page, with cursors across the stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { INSTALL_REQUEST_STATUSES } from '../src/db/schema';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { cancelInstallRequest, createInstallRequest, findInstallRequest as findOnSqlite, listInstallRequests as listOnSqlite } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import * as pgRequests from '../src/store/postgres/install-requests';
import { principalFor, uuid } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const W = ['e0000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000002'];
let lite: OpenedDatabase;
let pg: OpenedPostgres;
const ids: string[] = [];

const copy = (table: string) => copyRows(lite.sqlite, pg.pool, table);

beforeAll(async () => {
  lite = openDatabase(':memory:');
  const db = lite.db;
  createClient(db, { id: CLIENT, name: 'Acme' });
  W.forEach((id, i) => createWorkspace(db, { id, clientId: CLIENT, name: `W${i}` }));
  for (let i = 1; i <= 6; i++) createApp(db, { id: uuid(i), name: `App ${i}`, scopes: ['chat:write'] });
  const actor = principalFor(db);
  // Eleven requests; two share a creation time (ties by id); two cancelled.
  for (let i = 0; i < 11; i++) {
    const request = createInstallRequest(db, { clientId: CLIENT, workspaceId: W[i % 2]!, appId: uuid((i % 6) + 1), requester: `person ${i}`, message: i % 3 ? null : 'please', actor, now: new Date(1_800_000_000_000 + Math.min(i, 9) * 1000) });
    ids.push(request.id);
  }
  cancelInstallRequest(db, { clientId: CLIENT, workspaceId: null, requestId: ids[2]!, reason: 'no', actor });
  cancelInstallRequest(db, { clientId: CLIENT, workspaceId: W[1]!, requestId: ids[5]!, actor });
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
  for (const table of ['clients', 'workspaces', 'apps', 'tokens', 'install_requests']) await copy(table);
});

afterAll(async () => {
  lite?.close();
  await pg?.close();
});

describe('install requests on Postgres', () => {
  it('one by id, as on SQLite', async () => {
    for (const id of [...ids, uuid(999)]) expect(await pgRequests.findInstallRequest(pg.db, id)).toEqual(findOnSqlite(lite.db, id));
    expect(findOnSqlite(lite.db, ids[2]!)?.status).toBe('cancelled');
  });

  it("a client's and a workspace's, by status, page by page, as on SQLite; a cursor continues on the other store", async () => {
    let seen = 0;
    for (const workspaceId of [null, ...W]) {
      for (const status of INSTALL_REQUEST_STATUSES) {
        let after: string | null = null;
        for (let guard = 0; guard < 20; guard++) {
          const input = { clientId: CLIENT, workspaceId, status, first: 2, after };
          const a = listOnSqlite(lite.db, input);
          const b = await pgRequests.listInstallRequests(pg.db, input);
          expect(b.items.map(({ cursor: _, ...r }) => r)).toEqual(a.items.map(({ cursor: _, ...r }) => r));
          expect(b.hasNextPage).toBe(a.hasNextPage);
          if (workspaceId === null) seen += a.items.length;
          if (!a.hasNextPage) break;
          // The SQLite cursor continues the Postgres listing next round.
          after = a.items.at(-1)!.cursor;
        }
      }
    }
    expect(seen).toBe(11);
  });
});
