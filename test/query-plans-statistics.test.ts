import type { Logger } from 'drizzle-orm/logger';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { createToken, resolvePrincipal } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { decideApp, listAppDecisions } from '../src/services/app-decisions';
import { approveApps, removeAppApprovals, restrictApps } from '../src/services/approvals';
import { createApp, getClientApp, getClientApps, listCatalogApps, listClientApps } from '../src/services/apps';
import { listAssignmentEvents, listAssignments } from '../src/services/assignment-lists';
import { assignApp } from '../src/services/assignments';
import { createClient, findClient, listClients } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { readDirectory } from '../src/services/directory-reads';
import { clientHistoryPage, historyPages, type HistoryFilter } from '../src/services/history';
import { eventPosition, findInstallRequests, historyAfter, historyHeads } from '../src/services/history-live';
import { createInstallRequest, listInstallRequests } from '../src/services/install-requests';
import { createWorkspace, findWorkspace, getWorkspaces, listWorkspaceApps, listWorkspaces } from '../src/services/workspaces';
import { listWebhookDeliveries, listWebhooks, sqliteWebhookQueue } from '../src/services/webhooks';

/**
 * The issue: after `ANALYZE` (or the `PRAGMA optimize` SQLite recommends) the appHistory page became a scan of
 * every event, 5,000× slower on a 2,000-event database. Every list read path's real statements (as the services
 * run them, with their parameters) must plan the same with no statistics, after ANALYZE and after PRAGMA
 * optimize, and on the index meant for it.
 */
class Statements implements Logger {
  all: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.all.push({ query, params });
  }
}

const id = (prefix: string, n: number) => `${prefix}0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const T0 = Date.UTC(2026, 0, 1);
const DIR = id('d', 1);
const BUSINESS = id('c', 1);
const DIRECT = id('c', 2);
const APPS = Array.from({ length: 20 }, (_, i) => id('a', i + 1));
const WORKSPACES = [1, 2, 3].map((n) => id('e', n));
const actor: Principal = { tokenId: 'ops', kind: 'internal', name: 'ops', clientId: null, scopes: ['apps:read', 'apps:write'] };
const NO_FILTER: HistoryFilter = { types: null, since: null, until: null };

/**
 * A small database built through the services: one directory and its business, a direct customer, 20 apps (5 the
 * directory's), three workspaces, ~2,000 history events (ten apps approved and unapproved in turns), workspace
 * decisions, 30 install requests, 10 assignments.
 */
function build() {
  const log = new Statements();
  const opened = openDatabase(':memory:', { logger: log });
  const { db } = opened;
  createDirectory(db, { id: DIR, name: 'Mine' });
  createClient(db, { id: BUSINESS, name: 'Business', directoryId: DIR });
  createClient(db, { id: DIRECT, name: 'Direct' });
  APPS.forEach((appId, i) => createApp(db, { id: appId, name: `App ${i + 1}`, ...(i >= 15 ? { ownerDirectoryId: DIR } : {}) }));
  WORKSPACES.forEach((wsId, i) => createWorkspace(db, { clientId: BUSINESS, name: `Workspace ${i + 1}`, id: wsId }));
  const { token } = createToken(db, { kind: 'internal', name: 'ops' });
  for (let i = 0, events = 0; events < 2000; i++) {
    const decide = i % 2 ? removeAppApprovals : approveApps;
    events += decide(db, { clientId: BUSINESS, appIds: APPS.slice(0, 10), actor, maxIds: 100, now: new Date(T0 + i * 1000) }).changed.length;
  }
  restrictApps(db, { clientId: BUSINESS, appIds: APPS.slice(10, 12), actor, maxIds: 100, now: new Date(T0 + 9e6) });
  approveApps(db, { clientId: BUSINESS, appIds: APPS.slice(12, 14), actor, maxIds: 100, now: new Date(T0 + 9e6), expiresAt: new Date(T0 + 9e12) });
  for (let i = 0; i < 6; i++) {
    decideApp(db, { clientId: BUSINESS, workspaceId: WORKSPACES[i % 3]!, subject: { appId: APPS[14 + i]! }, action: i % 2 ? 'restrict' : 'approve', actor, now: new Date(T0 + 1e7 + i) });
  }
  const requestable = [0, 1, 2, 3, 4, 12, 13, 14, 16, 18];
  for (let i = 0; i < 30; i++) {
    createInstallRequest(db, { clientId: BUSINESS, workspaceId: WORKSPACES[i % 3]!, appId: APPS[requestable[i % 10]!]!, actor, now: new Date(T0 + 2e7 + i) });
  }
  for (let i = 0; i < 10; i++) {
    const assignee = i % 2 ? { type: 'directory' as const, id: DIR } : { type: 'business' as const, id: BUSINESS };
    assignApp(db, { actor, appCodeName: `app-${i + 1}`, assignee, mode: 'STANDARD', now: new Date(T0 + 3e7 + i) });
  }
  return { ...opened, log, token };
}
type Built = ReturnType<typeof build>;

/**
 * Every list read path, with what its plan must show. `run` may make a first call to get a cursor; only the
 * statements after the last `log.all = []` are planned. `uses` must match the plan (statements joined by ` ;; `,
 * a statement's lines by ` | `).
 */
const PATHS: { name: string; run: (b: Built) => unknown; uses: RegExp[] }[] = [
  {
    name: 'appHistory first page',
    run: (b) => historyPages(b.db, [{ clientId: BUSINESS, appId: APPS[0]!, first: 20, after: null, filter: NO_FILTER }]),
    uses: [/^SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\) \| CORRELATED LIST SUBQUERY 1 \| SEARCH h USING COVERING INDEX app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\? AND created_at>\? AND created_at<\?\)$/],
  },
  {
    name: 'appHistory by type',
    run: (b) => historyPages(b.db, [{ clientId: BUSINESS, appId: APPS[0]!, first: 20, after: null, filter: { ...NO_FILTER, types: ['APP_UPDATED'] } }]),
    uses: [/SEARCH h USING COVERING INDEX app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\?/],
  },
  {
    name: 'appHistory next page (a tie seek and a range seek)',
    run: (b) => {
      const [first] = historyPages(b.db, [{ clientId: BUSINESS, appId: APPS[0]!, first: 5, after: null, filter: NO_FILTER }]);
      b.log.all = [];
      return historyPages(b.db, [{ clientId: BUSINESS, appId: APPS[0]!, first: 5, after: { at: first!.items[4]!.createdAt.getTime(), clientSeq: 1 }, filter: NO_FILTER }]);
    },
    uses: [/app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\? AND created_at=\? AND client_seq<\?\)/, /app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\? AND created_at>\? AND created_at<\?\)/],
  },
  {
    name: 'appHistory after a legacy cursor (its event looked up by seq)',
    run: (b) => {
      const { at } = b.sqlite.prepare('SELECT created_at AS at FROM app_history_events WHERE seq = 1000').get() as { at: number };
      return historyPages(b.db, [{ clientId: BUSINESS, appId: APPS[0]!, first: 5, after: { legacySeq: 1000, at }, filter: NO_FILTER }]);
    },
    uses: [/^SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\) ;; /],
  },
  {
    name: 'a live stream of one app reads on (historyAfter: a tie seek and a range seek)',
    run: (b) => historyAfter(b.db, { clientId: BUSINESS, appId: APPS[0]!, types: null, after: { at: T0 + 5000, clientSeq: 1 }, first: 100 }),
    uses: [
      /SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\) \| CORRELATED LIST SUBQUERY 1 \| SEARCH h USING COVERING INDEX app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\? AND created_at=\? AND client_seq>\?\)/,
      /SEARCH h USING COVERING INDEX app_history_events_app_type_idx \(client_id=\? AND app_id=\? AND type=\? AND created_at>\?\)$/,
    ],
  },
  {
    name: 'a live stream of a client reads on (historyAfter)',
    run: (b) => historyAfter(b.db, { clientId: BUSINESS, appId: null, types: null, after: { at: T0 + 5000, clientSeq: 1 }, first: 100 }),
    uses: [
      /SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\) \| CORRELATED LIST SUBQUERY 1 \| SEARCH h USING COVERING INDEX app_history_events_client_type_idx \(client_id=\? AND type=\? AND created_at=\? AND client_seq>\?\)/,
      /SEARCH h USING COVERING INDEX app_history_events_client_type_idx \(client_id=\? AND type=\? AND created_at>\?\)$/,
    ],
  },
  {
    name: 'the live poll (historyHeads), an after event (eventPosition), the requests of a live read (findInstallRequests)',
    run: (b) => {
      historyHeads(b.db, [BUSINESS, DIRECT]);
      const event = b.sqlite.prepare('SELECT id FROM app_history_events WHERE seq = 1000').get() as { id: string };
      eventPosition(b.db, event.id);
      const request = b.sqlite.prepare('SELECT id FROM install_requests LIMIT 1').get() as { id: string };
      return findInstallRequests(b.db, [request.id]);
    },
    uses: [/^SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH c USING INDEX sqlite_autoindex_clients_1 \(id=\?\)/, / ;; SEARCH app_history_events USING INDEX app_history_events_id_unique \(id=\?\)/, /SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH r USING INDEX sqlite_autoindex_install_requests_1 \(id=\?\)$/],
  },
  {
    name: 'client audit history',
    run: (b) => clientHistoryPage(b.db, { clientId: BUSINESS, first: 20, filter: NO_FILTER }),
    uses: [/^SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\) \| CORRELATED LIST SUBQUERY 1 \| SEARCH h USING COVERING INDEX app_history_events_client_type_idx \(client_id=\? AND type=\? AND created_at>\? AND created_at<\?\)$/],
  },
  {
    name: 'client audit history in a time window',
    run: (b) => clientHistoryPage(b.db, { clientId: BUSINESS, first: 20, filter: { ...NO_FILTER, since: new Date(T0), until: new Date(T0 + 5000) } }),
    uses: [/SEARCH h USING COVERING INDEX app_history_events_client_type_idx \(client_id=\? AND type=\? AND created_at>\? AND created_at<\?\)/],
  },
  {
    name: 'Client.apps by name, with totalCount',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5 }).then((page) => page.totalCount()),
    uses: [/^MERGE \(UNION ALL\) .*SEARCH a USING INDEX apps_owner_name_idx \(owner_directory_id=\?\).*SEARCH a USING INDEX apps_owner_name_idx/, / ;; SCAN CONSTANT ROW \| SCALAR SUBQUERY \d+ \| SEARCH app_range_counts USING INDEX sqlite_autoindex_app_range_counts_1 \(owner_key=\?\)/],
  },
  {
    name: 'Client.apps by name, next page',
    run: async (b) => {
      const first = await listClientApps(b.db, { clientId: BUSINESS, first: 5 });
      b.log.all = [];
      return listClientApps(b.db, { clientId: BUSINESS, first: 5, after: first.items[4]!.cursor });
    },
    uses: [/SEARCH a USING INDEX apps_owner_name_idx \(owner_directory_id=\? AND <expr>>\?\)/],
  },
  {
    name: 'Client.apps approved, with totalCount',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, approved: true }).then((page) => page.totalCount()),
    uses: [/^SEARCH s USING INDEX client_app_states_resolution_idx \(client_id=\? AND resolution=\?\)/, / ;; SEARCH s USING INDEX client_app_states_resolution_idx \(client_id=\? AND resolution=\?\)/],
  },
  {
    name: 'Client.apps not approved, with totalCount',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, approved: false }).then((page) => page.totalCount()),
    uses: [/^MERGE \(UNION ALL\)/, /SEARCH s USING INDEX client_app_states_resolution_idx \(client_id=\? AND resolution=\?\)/],
  },
  {
    name: 'Client.apps by risk level',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, riskLevel: 'HIGH' }),
    uses: [/^SEARCH s USING INDEX client_app_states_updated_idx \(client_id=\?\)/],
  },
  {
    name: 'Client.apps by category',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, category: 'crm' }),
    uses: [/^SEARCH s USING INDEX client_app_states_updated_idx \(client_id=\?\)/],
  },
  {
    name: 'Client.apps expiring before',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, expiringBefore: new Date(T0 + 9.5e12) }),
    uses: [/^SEARCH s USING INDEX client_app_states_expiry_idx \(client_id=\? AND approval_expires_at<\?\)/],
  },
  {
    name: 'Client.apps search',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, search: 'app 1' }),
    uses: [/^MERGE \(UNION ALL\) .*apps_owner_name_idx \(owner_directory_id=\?\)/],
  },
  {
    name: 'Client.apps by update time, newest first',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, orderBy: { field: 'UPDATED_AT', direction: 'DESC' } }),
    uses: [/^SEARCH s USING INDEX client_app_states_updated_idx \(client_id=\?\)/],
  },
  {
    name: 'Client.apps by update time, oldest first (never-changed apps too)',
    run: (b) => listClientApps(b.db, { clientId: BUSINESS, first: 5, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } }),
    uses: [/^SEARCH s USING INDEX client_app_states_updated_idx \(client_id=\?\)/, / ;; .*SEARCH a USING INDEX apps_owner_id_idx \(owner_directory_id=\?\)/],
  },
  {
    name: "a direct customer's Client.apps",
    run: (b) => listClientApps(b.db, { clientId: DIRECT, first: 5 }),
    uses: [/apps_owner_name_idx \(owner_directory_id=\?\)/],
  },
  {
    name: 'the app loader (getClientApps)',
    run: (b) => getClientApps(b.db, APPS.slice(0, 5).map((appId) => ({ clientId: BUSINESS, appId }))),
    uses: [/^SCAN k VIRTUAL TABLE INDEX \d+: \| SEARCH a USING INDEX sqlite_autoindex_apps_1 \(id=\?\)/],
  },
  {
    name: 'one app (getClientApp)',
    run: (b) => getClientApp(b.db, BUSINESS, APPS[3]!),
    uses: [/^SEARCH a USING INDEX sqlite_autoindex_apps_1 \(id=\?\)/],
  },
  {
    name: 'the catalog (CLI)',
    run: (b) => listCatalogApps(b.db, { after: { name: 'app 1', id: APPS[0]! }, limit: 5 }),
    uses: [/^SEARCH apps USING INDEX apps_sort_name_idx \(<expr>>\?\)$/],
  },
  {
    name: 'clients (CLI)',
    run: (b) => listClients(b.db, { after: BUSINESS, limit: 5 }),
    uses: [/^SEARCH clients USING INDEX sqlite_autoindex_clients_1 \(id>\?\)$/],
  },
  {
    name: 'Client.workspaces',
    run: (b) => listWorkspaces(b.db, { clientId: BUSINESS, first: 2 }),
    uses: [/^SEARCH w USING INDEX workspaces_client_name_idx \(client_id=\?\)$/],
  },
  {
    name: 'the workspace loader (getWorkspaces)',
    run: (b) => getWorkspaces(b.db, WORKSPACES),
    uses: [/SEARCH w USING INDEX sqlite_autoindex_workspaces_1 \(id=\?\)/],
  },
  {
    name: 'one workspace',
    run: (b) => findWorkspace(b.db, WORKSPACES[0]!),
    uses: [/^SEARCH workspaces USING INDEX sqlite_autoindex_workspaces_1 \(id=\?\)$/],
  },
  {
    name: 'Workspace.apps',
    run: (b) => {
      const workspace = findWorkspace(b.db, WORKSPACES[0]!)!;
      b.log.all = [];
      return listWorkspaceApps(b.db, { workspace, first: 5 });
    },
    uses: [/^(?!.* ;; )MERGE \(UNION ALL\) .*apps_owner_name_idx \(owner_directory_id=\?\).*SEARCH d USING INDEX sqlite_autoindex_workspace_app_decisions_1 \(workspace_id=\? AND app_id=\?\)/],
  },
  {
    name: "a client's install requests",
    run: (b) => listInstallRequests(b.db, { clientId: BUSINESS, workspaceId: null, status: 'pending', first: 5 }),
    uses: [/^SEARCH r USING INDEX install_requests_client_idx \(client_id=\? AND status=\?\)$/],
  },
  {
    name: "a workspace's install requests, next page",
    run: (b) => {
      const first = listInstallRequests(b.db, { clientId: BUSINESS, workspaceId: WORKSPACES[0]!, status: 'pending', first: 2 });
      b.log.all = [];
      return listInstallRequests(b.db, { clientId: BUSINESS, workspaceId: WORKSPACES[0]!, status: 'pending', first: 2, after: first.items[1]!.cursor });
    },
    uses: [/^SEARCH r USING INDEX install_requests_workspace_idx \(workspace_id=\? AND status=\?/],
  },
  {
    name: 'org-level decisions',
    run: (b) => listAppDecisions(b.db, { clientId: BUSINESS, workspaceId: null, resolution: 'restricted', first: 5 }),
    uses: [/SEARCH x USING INDEX client_app_states_resolution_idx \(client_id=\? AND resolution=\?\)$/],
  },
  {
    name: 'workspace decisions',
    run: (b) => listAppDecisions(b.db, { clientId: BUSINESS, workspaceId: WORKSPACES[0]!, resolution: 'approved', first: 5 }),
    uses: [/SEARCH x USING INDEX workspace_app_decisions_listing_idx \(workspace_id=\? AND resolution=\?\)$/],
  },
  ...(
    [
      ['every assignment', {}, /^SEARCH s USING INTEGER PRIMARY KEY \(rowid>\?\) \| SEARCH a USING INDEX sqlite_autoindex_apps_1 \(id=\?\)$/],
      ["a business's assignments", { assignee: { type: 'business', id: BUSINESS } }, /SEARCH s USING INDEX app_assignments_client_idx \(client_id=\? AND rowid>\?\) \| SEARCH a /],
      ["a business's assignments of one mode", { assignee: { type: 'business', id: BUSINESS }, mode: 'STANDARD' }, /SEARCH s USING INDEX app_assignments_client_mode_idx \(client_id=\? AND mode=\? AND rowid>\?\) \| SEARCH a /],
      ["a directory's assignments", { assignee: { type: 'directory', id: DIR } }, /SEARCH s USING INDEX app_assignments_directory_idx \(directory_id=\? AND rowid>\?\) \| SEARCH a /],
      ["a directory's assignments of one mode", { assignee: { type: 'directory', id: DIR }, mode: 'STANDARD' }, /SEARCH s USING INDEX app_assignments_directory_mode_idx \(directory_id=\? AND mode=\? AND rowid>\?\) \| SEARCH a /],
      ["an app's assignments", { appCodeName: 'app-1' }, /^SEARCH s USING INDEX app_assignments_app_idx \(app_id=\? AND rowid>\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
      ["an app's assignments of one mode", { appCodeName: 'app-1', mode: 'STANDARD' }, /^SEARCH s USING INDEX app_assignments_app_mode_idx \(app_id=\? AND mode=\? AND rowid>\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
      ["an app's assignment to one business", { appCodeName: 'app-1', assignee: { type: 'business', id: BUSINESS } }, /SEARCH s USING INDEX app_assignments_app_client_key \(app_id=\? AND client_id=\? AND rowid>\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
      ['assignments of one mode', { mode: 'STANDARD' }, /^SEARCH s USING INDEX app_assignments_mode_idx \(mode=\? AND rowid>\?\) \| SEARCH a /],
    ] as const
  ).map(([name, filter, uses]) => ({ name, run: (b: Built) => listAssignments(b.db, actor, { filter, first: 5 }), uses: [uses] })),
  ...(
    [
      ['all assignment history', {}, /^SEARCH e USING INTEGER PRIMARY KEY \(rowid<\?\) \| SEARCH a USING INDEX sqlite_autoindex_apps_1 \(id=\?\)$/],
      ["a directory's assignment history", { assignee: { type: 'directory', id: DIR } }, /SEARCH e USING INDEX app_assignment_events_directory_idx \(directory_id=\? AND rowid<\?\) \| SEARCH a /],
      ["a directory's assignment history of one app", { assignee: { type: 'directory', id: DIR }, appCodeName: 'app-2' }, /SEARCH e USING INDEX app_assignment_events_directory_app_idx \(directory_id=\? AND app_id=\? AND rowid<\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
      ["a business's assignment history", { assignee: { type: 'business', id: BUSINESS } }, /SEARCH e USING INDEX app_assignment_events_client_idx \(client_id=\? AND rowid<\?\) \| SEARCH a /],
      ["a business's assignment history of one app", { assignee: { type: 'business', id: BUSINESS }, appCodeName: 'app-1' }, /SEARCH e USING INDEX app_assignment_events_client_app_idx \(client_id=\? AND app_id=\? AND rowid<\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
      ["an app's assignment history", { appCodeName: 'app-1' }, /^SEARCH e USING INDEX app_assignment_events_app_idx \(app_id=\? AND rowid<\?\) \| SCALAR SUBQUERY 1 .*\| SEARCH a /],
    ] as const
  ).map(([name, filter, uses]) => ({ name, run: (b: Built) => listAssignmentEvents(b.db, actor, { filter, first: 5 }), uses: [uses] })),
  {
    name: 'a directory',
    run: (b) => readDirectory(b.db, actor, DIR),
    uses: [/^SEARCH directories USING COVERING INDEX sqlite_autoindex_directories_1 \(id=\?\) ;; SEARCH directories USING/],
  },
  {
    name: 'a client',
    run: (b) => findClient(b.db, BUSINESS),
    uses: [/^SEARCH clients USING INDEX sqlite_autoindex_clients_1 \(id=\?\)$/],
  },
  {
    name: "a client's webhooks",
    run: (b) => listWebhooks(b.db, { clientId: BUSINESS, first: 5 }),
    uses: [/^SEARCH webhooks USING INDEX webhooks_client_idx \(client_id=\?\)$/],
  },
  {
    name: "a webhook's deliveries",
    run: (b) => listWebhookDeliveries(b.db, { webhookId: id('w', 1), first: 5 }),
    uses: [/^SEARCH webhook_deliveries USING INDEX webhook_deliveries_webhook_idx \(webhook_id=\?\)$/],
  },
  {
    name: 'the due webhook lanes (the runners\' claim)',
    run: (b) => sqliteWebhookQueue(b.db).claimLanes({ owner: 'plan', leaseMs: 1000, now: Date.now(), limit: 16 }),
    uses: [/^SEARCH webhooks USING INDEX webhooks_due_idx \(due_at>\? AND due_at<\?\)$/],
  },
  {
    name: "a webhook lane's next delivery",
    run: (b) => sqliteWebhookQueue(b.db).laneHead(id('w', 1)),
    uses: [/^SEARCH webhook_deliveries USING INDEX webhook_deliveries_pending_idx \(webhook_id=\?\)$/],
  },
  {
    name: 'a bearer token',
    run: (b) => resolvePrincipal(b.db, `Bearer ${b.token}`),
    uses: [/^SEARCH tokens USING INDEX tokens_token_hash_unique \(token_hash=\?\)$/],
  },
];

/** How each database gets (or does not get) statistics, after the read paths ran once on it. */
const STATISTICS = {
  none: () => {},
  ANALYZE: (b: Built) => b.sqlite.exec('ANALYZE'),
  'PRAGMA optimize': (b: Built) => b.sqlite.exec('PRAGMA optimize'),
} as const;
type Statistics = keyof typeof STATISTICS;

function planOf(b: Built, statements: { query: string; params: unknown[] }[]): string {
  return statements
    .map((s) => (b.sqlite.prepare(`EXPLAIN QUERY PLAN ${s.query}`).all(...(s.params as never[])) as { detail: string }[]).map((r) => r.detail).join(' | '))
    .join(' ;; ');
}

/** Per statistics kind, per path: the plan of the path's statements. */
const plans = {} as Record<Statistics, Map<string, string>>;
const statRows = {} as Record<Statistics, number>;

beforeAll(async () => {
  for (const kind of Object.keys(STATISTICS) as Statistics[]) {
    const b = build();
    const captured = new Map<string, { query: string; params: unknown[] }[]>();
    for (const path of PATHS) {
      b.log.all = [];
      await path.run(b);
      captured.set(path.name, b.log.all);
    }
    STATISTICS[kind](b);
    statRows[kind] = b.sqlite.prepare(`SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat1'`).get()
      ? (b.sqlite.prepare('SELECT count(*) AS n FROM sqlite_stat1').get() as { n: number }).n
      : 0;
    plans[kind] = new Map([...captured].map(([name, statements]) => [name, planOf(b, statements)]));
    b.close();
  }
}, 60_000);

describe('query plans do not depend on planner statistics', () => {
  it('ANALYZE and PRAGMA optimize both write statistics for the history table and the listings', () => {
    expect(statRows.none).toBe(0);
    expect(statRows.ANALYZE).toBeGreaterThan(20);
    expect(statRows['PRAGMA optimize']).toBeGreaterThan(20);
  });

  it.each(PATHS.map((p) => [p.name, p] as const))('%s: the same plan with and without statistics, on its index', (name, path) => {
    const none = plans.none.get(name)!;
    expect({ name, ANALYZE: plans.ANALYZE.get(name) }).toEqual({ name, ANALYZE: none });
    expect({ name, 'PRAGMA optimize': plans['PRAGMA optimize'].get(name) }).toEqual({ name, 'PRAGMA optimize': none });
    for (const uses of path.uses) expect(none).toMatch(uses);
    // No statement walks a whole table: the only SCANs are of the keys (json_each) and of a constant row.
    expect(none.split(/ ;; | \| /).filter((line) => /^SCAN /.test(line) && !/^SCAN (k VIRTUAL TABLE|CONSTANT ROW)/.test(line))).toEqual([]);
  });
});
