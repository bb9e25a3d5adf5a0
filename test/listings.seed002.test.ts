import type { Logger } from 'drizzle-orm/logger';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { listAppDecisions } from '../src/services/app-decisions';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { listInstallRequests } from '../src/services/install-requests';
import { encodeCursor } from '../src/services/pagination';
import { createWorkspace, listWorkspaceApps, listWorkspaces } from '../src/services/workspaces';
import { uuid } from './helpers/db';

/** Keeps the last statement with its parameters, so the test can ask SQLite for its plan. */
class LastStatement implements Logger {
  last: { query: string; params: unknown[] } | null = null;
  logQuery(query: string, params: unknown[]): void {
    this.last = { query, params };
  }
}

const log = new LastStatement();
const { db, sqlite } = openDatabase(':memory:', { logger: log });
const CLIENT = uuid(500);
createClient(db, { id: CLIENT, name: 'C' });
const ws = createWorkspace(db, { clientId: CLIENT, name: 'Only', id: uuid(600) });
for (let i = 1; i <= 5; i++) createWorkspace(db, { clientId: CLIENT, name: `W${6 - i}`, id: uuid(600 + i) });
for (let i = 1; i <= 5; i++) createApp(db, { id: uuid(i), name: `App ${6 - i}` });

function planOfLast(): string {
  const { query, params } = log.last!;
  return (sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...(params as never[])) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

describe('seed-002 listings page by index seek, and pages neither skip nor repeat', () => {
  it.each([
    ['Client.workspaces', (after?: string) => listWorkspaces(db, { clientId: CLIENT, first: 2, ...(after ? { after } : {}) }), 'workspaces_client_name_idx (client_id=? AND <expr>>?)', 6],
    ['Workspace.apps', (after?: string) => listWorkspaceApps(db, { workspace: ws, first: 2, ...(after ? { after } : {}) }), 'apps_owner_name_idx (owner_directory_id=? AND <expr>>?)', 5],
  ] as const)('%s', (_name, list, index, total) => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = list(after);
      if (after) expect(planOfLast()).toContain(index);
      seen.push(...page.items.map((i) => ('appId' in i ? i.appId : i.id)));
      if (!page.hasNextPage) break;
      after = page.items.at(-1)!.cursor;
    }
    expect(new Set(seen).size).toBe(total);
    expect(seen).toHaveLength(total);
  });

  it('org-level decisions page in decision order without skipping or repeating', async () => {
    const { approveApps } = await import('../src/services/approvals');
    const actor = { tokenId: 't', kind: 'internal' as const, name: 't', clientId: null, scopes: [] };
    const ids = [uuid(3), uuid(1), uuid(5), uuid(2), uuid(4)];
    approveApps(db, { clientId: CLIENT, appIds: ids, actor, maxIds: 10 });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = listAppDecisions(db, { clientId: CLIENT, workspaceId: null, resolution: 'approved', first: 2, ...(after ? { after } : {}) });
      seen.push(...page.items.map((d) => d.appId));
      if (!page.hasNextPage) break;
      after = page.items.at(-1)!.cursor;
    }
    expect(seen).toEqual(ids);
  });

  it('install requests and decisions seek on their indexes with a cursor', () => {
    // Cursors are bound to their list: [client, workspace or null, status or resolution].
    const after = encodeCursor('req', [5, 'x'], JSON.stringify([CLIENT, null, 'pending']));
    listInstallRequests(db, { clientId: CLIENT, workspaceId: null, status: 'pending', first: 2, after });
    expect(planOfLast()).toBe('SEARCH r USING INDEX install_requests_client_idx (client_id=? AND status=? AND (created_at,id)<(?,?))');
    const wsAfter = encodeCursor('req', [5, 'x'], JSON.stringify([CLIENT, ws.id, 'pending']));
    listInstallRequests(db, { clientId: CLIENT, workspaceId: ws.id, status: 'pending', first: 2, after: wsAfter });
    expect(planOfLast()).toContain('SEARCH r USING INDEX install_requests_workspace_idx (workspace_id=? AND status=?');
    const orgCursor = encodeCursor('orgdec', [7], JSON.stringify([CLIENT, null, 'approved']));
    listAppDecisions(db, { clientId: CLIENT, workspaceId: null, resolution: 'approved', after: orgCursor });
    expect(planOfLast()).toBe('SEARCH x USING INDEX client_app_states_resolution_idx (client_id=? AND resolution=? AND rowid>?)');
    const dec = encodeCursor('wsdec', ['a'], JSON.stringify([CLIENT, ws.id, 'restricted']));
    listAppDecisions(db, { clientId: CLIENT, workspaceId: ws.id, resolution: 'restricted', after: dec });
    expect(planOfLast()).toBe('SEARCH x USING INDEX workspace_app_decisions_listing_idx (workspace_id=? AND resolution=? AND app_id>?)');
  });
});
