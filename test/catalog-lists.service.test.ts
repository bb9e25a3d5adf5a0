import { describe, expect, it } from 'vitest';
import { createApp, listCatalogApps } from '../src/services/apps';
import { listClients } from '../src/services/clients';
import { seedTenant, testDatabase, uuid } from './helpers/db';

describe('listing clients and the catalog (the CLI lists)', () => {
  it('pages clients by id and apps by name (case-insensitive), then id, one statement per page', () => {
    const t = testDatabase();
    for (const n of [3, 1, 2]) seedTenant(t.db, { clientNumber: n });
    for (const [n, name] of [[4, 'beta'], [2, 'Alpha'], [3, 'alpha'], [1, 'Gamma']] as const) createApp(t.db, { id: uuid(n), name, codeName: `c${n}` });

    expect(listClients(t.db, { limit: 2 }).map((c) => c.name)).toEqual(['Client 1', 'Client 2']);
    t.sql.reset();
    const second = listClients(t.db, { after: 'c0000000-0000-4000-8000-000000000002', limit: 2 });
    expect(second.map((c) => c.name)).toEqual(['Client 3']);
    expect(t.sql.statements).toHaveLength(1);

    const firstApps = listCatalogApps(t.db, { limit: 2 });
    expect(firstApps.map((a) => [a.name, a.id])).toEqual([['Alpha', uuid(2)], ['alpha', uuid(3)]]);
    t.sql.reset();
    const nextApps = listCatalogApps(t.db, { after: firstApps[1]!, limit: 2 });
    expect(nextApps.map((a) => a.name)).toEqual(['beta', 'Gamma']);
    expect(t.sql.statements).toHaveLength(1);
    expect(listCatalogApps(t.db, { after: nextApps[1]!, limit: 2 })).toEqual([]);
  });

  it('seeks an index for every page', () => {
    const t = testDatabase();
    const plan = (statement: string, ...params: unknown[]) =>
      (t.sqlite.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...params) as { detail: string }[]).map((r) => r.detail);
    listClients(t.db, { after: uuid(1), limit: 2 });
    listCatalogApps(t.db, { after: { name: 'x', id: uuid(1) }, limit: 2 });
    t.sql.statements.length = 0;
    listClients(t.db, { after: uuid(1), limit: 2 });
    listCatalogApps(t.db, { after: { name: 'x', id: uuid(1) }, limit: 2 });
    const [clientsSql, appsSql] = t.sql.statements as [string, string];
    expect(plan(clientsSql, uuid(1), 2)).toEqual(['SEARCH clients USING INDEX sqlite_autoindex_clients_1 (id>?)']);
    expect(plan(appsSql, 'x', 'x', uuid(1), 2)).toEqual(['SEARCH apps USING INDEX apps_sort_name_idx (<expr>>?)']);
  });
});
