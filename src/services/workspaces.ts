import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import { visibleAppRanges } from '../auth/app-visibility';
import { preparedPerDatabase, type Db } from '../db/open';
import { workspaces, type Resolution, type WorkspaceResolution } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';
import { SQLITE_APPS } from './client-app-pages';
import { findClient, validateName } from './clients';
import { parseId } from './ids';
import { liveState } from './decision-rules';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';

export interface Workspace {
  id: string;
  clientId: string;
  name: string;
  createdAt: Date;
}

const workspaceById = preparedPerDatabase((db) =>
  db.select().from(workspaces).where(eq(workspaces.id, sql.placeholder('id'))).prepare(),
);

/** One workspace by its canonical (lowercase) id, or null. */
export function findWorkspace(db: Db, id: string): Workspace | null {
  return workspaceById(db).get({ id }) ?? null;
}

export function createWorkspace(db: Db, input: { clientId: string; name: string; id?: string }): Workspace {
  const name = validateName(input.name);
  const clientId = parseId(input.clientId, 'client');
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  return db.transaction(
    (tx) => {
      if (!findClient(tx, clientId)) throw new NotFoundError(`Client not found: ${clientId}`, { field: 'clientId' });
      if (findWorkspace(tx, id)) throw new ConflictError(`A workspace with id ${id} already exists`);
      const row = { id, clientId, name, createdAt: new Date() };
      tx.insert(workspaces).values(row).run();
      return row;
    },
    { behavior: 'immediate' },
  );
}

export type WorkspacePage = Page<Workspace & { cursor: string }>;

/**
 * A client's workspaces by name (case-insensitive), keyset-paged on the
 * (client, lower(name), id) index. The keyset is spelled `k >= a AND (k > a
 * OR id > b)`: SQLite seeks on that, while a row-value comparison on an
 * expression index scans from the start.
 */
export function listWorkspaces(db: Db, input: { clientId: string; first?: number | null; after?: string | null }): WorkspacePage {
  const size = pageSize(input.first);
  const after = decodeCursor('ws', input.after, ['string', 'string'], 'after', input.clientId);
  const rows = db.all<{ id: string; client_id: string; name: string; created_at: number; k: string }>(sql`
    SELECT w.*, lower(w.name) AS k FROM workspaces AS w
    WHERE w.client_id = ${input.clientId}
      ${after ? sql`AND lower(w.name) >= ${after[0]} AND (lower(w.name) > ${after[0]} OR w.id > ${after[1]})` : sql``}
    ORDER BY lower(w.name), w.id
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return {
    items: page.items.map((r) =>
      withCursor({ id: r.id, clientId: r.client_id, name: r.name, createdAt: new Date(r.created_at) }, 'ws', [r.k, r.id], input.clientId),
    ),
    hasNextPage: page.hasNextPage,
  };
}

export type ResolutionSource = 'org' | 'workspace' | 'none';

/** One app's standing in one workspace: what applies, and which level decided it. */
export interface WorkspaceApp {
  clientId: string;
  workspaceId: string;
  appId: string;
  resolution: Resolution;
  source: ResolutionSource;
  orgResolution: Resolution;
  workspaceResolution: WorkspaceResolution | null;
  /** The scopes the deciding approval covers; null unless the effective resolution is approved. */
  approvedScopes: string[] | null;
  /** When the deciding approval ends; null when it does not, or the app is not approved there. */
  approvalExpiresAt: Date | null;
  cursor: string;
}

/**
 * Slack's precedence as a plain function: an org-level restriction beats
 * everything; otherwise the workspace's own decision; otherwise the
 * org-level approval (the default for every workspace); otherwise none.
 */
export function effectiveResolution(
  org: { resolution: Resolution; approvedScopes: string[] | null; approvalExpiresAt?: number | null },
  workspace: { resolution: WorkspaceResolution; approvedScopes: string[] | null; approvalExpiresAt?: number | null } | null,
): { resolution: Resolution; source: ResolutionSource; approvedScopes: string[] | null; approvalExpiresAt: Date | null } {
  const end = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));
  if (org.resolution === 'restricted') return { resolution: 'restricted', source: 'org', approvedScopes: null, approvalExpiresAt: null };
  if (workspace) {
    return { resolution: workspace.resolution, source: 'workspace', approvedScopes: workspace.approvedScopes, approvalExpiresAt: end(workspace.approvalExpiresAt) };
  }
  if (org.resolution === 'approved') return { resolution: 'approved', source: 'org', approvedScopes: org.approvedScopes, approvalExpiresAt: end(org.approvalExpiresAt) };
  return { resolution: 'unresolved', source: 'none', approvedScopes: null, approvalExpiresAt: null };
}

/** A row of listWorkspaceApps: the app, its name key, and its org-level and workspace-level decisions. */
export interface WorkspaceAppRow {
  id: string;
  sort_key: string;
  org_resolution: Resolution | null;
  org_scopes: string | null;
  ws_resolution: WorkspaceResolution | null;
  ws_scopes: string | null;
  org_ends: number | string | null;
  ws_ends: number | string | null;
}

/** Where a listWorkspaceApps page continues (BAD_USER_INPUT for a foreign cursor); both stores. */
export function workspaceAppsSeek(input: { workspace: Workspace; first?: number | null; after?: string | null }): { size: number; after: [string, string] | null } {
  const after = decodeCursor('wsapp', input.after, ['string', 'string'], 'after', input.workspace.id);
  return { size: pageSize(input.first), after: after as [string, string] | null };
}

/**
 * How a store spells listWorkspaceApps' statement: the name key (SQLite's lower(a.name), Postgres's
 * lower(a.name COLLATE "C"), which orders alike), and whether each visible range is sought and cut
 * to the page on its own before the merge. SQLite merges the ranges' index seeks in order by itself;
 * Postgres does not (it does not merge-append a top-level UNION ALL: it reads every visible app and
 * sorts them), so there each range is its own ordered, limited seek, merged after.
 */
export interface WorkspaceAppsDialect {
  nameKey: SQL;
  boundEachRange: boolean;
}

export const SQLITE_WORKSPACE_APPS: WorkspaceAppsDialect = { nameKey: SQLITE_APPS.nameKey, boundEachRange: false };

/**
 * The page's statement, by name: each visible range a seek on the apps owner-and-name index
 * (owner_directory_id, name key, id) from the cursor, merged; the two decision rows are primary-key
 * lookups per app of the page.
 */
export function workspaceAppsSql(workspace: Workspace, seek: { size: number; after: [string, string] | null }, d: WorkspaceAppsDialect): SQL {
  const { after } = seek;
  const key = d.nameKey;
  const limit = seek.size + 1;
  const ranges = visibleAppRanges(workspace.clientId).map((range) => {
    const leg = sql`
      SELECT a.id, ${key} AS sort_key, s.resolution AS org_resolution, s.approved_scopes AS org_scopes,
             d.resolution AS ws_resolution, d.approved_scopes AS ws_scopes,
             s.approval_expires_at AS org_ends, d.approval_expires_at AS ws_ends
      FROM apps AS a
      LEFT JOIN client_app_states AS s ON s.client_id = ${workspace.clientId} AND s.app_id = a.id
      LEFT JOIN workspace_app_decisions AS d ON d.workspace_id = ${workspace.id} AND d.app_id = a.id
      WHERE ${range} ${after ? sql`AND ${key} >= ${after[0]} AND (${key} > ${after[0]} OR a.id > ${after[1]})` : sql``}`;
    // The owner leads the order (one value per range) so the seek is on the index's own order, the range its bound.
    return d.boundEachRange ? sql`(${leg} ORDER BY a.owner_directory_id, ${key}, a.id LIMIT ${limit})` : leg;
  });
  return sql`${sql.join(ranges, sql` UNION ALL `)} ORDER BY sort_key, id LIMIT ${limit}`;
}

/** The page from `size + 1` rows, each app's effective resolution by Slack's precedence (both stores). */
export function workspaceAppsPage(workspace: Workspace, size: number, rows: WorkspaceAppRow[]): Page<WorkspaceApp> {
  const page = toPage(rows, size);
  // An approval whose end has passed counts as none at either level, whether or not its expiry was written down yet.
  const now = Date.now();
  const ms = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    items: page.items.map((r) => {
      const org = liveState({ resolution: r.org_resolution ?? 'unresolved', approvedScopes: parseScopes(r.org_scopes), approvalExpiresAt: ms(r.org_ends) }, now);
      const standing = r.ws_resolution
        ? liveState({ resolution: r.ws_resolution as Resolution, approvedScopes: parseScopes(r.ws_scopes), approvalExpiresAt: ms(r.ws_ends) }, now)
        : null;
      const ws = standing && standing.resolution !== 'unresolved' ? { ...standing, resolution: standing.resolution as WorkspaceResolution } : null;
      const item = {
        clientId: workspace.clientId,
        workspaceId: workspace.id,
        appId: r.id,
        ...effectiveResolution(org, ws),
        orgResolution: org.resolution,
        workspaceResolution: ws?.resolution ?? null,
      };
      return withCursor(item, 'wsapp', [r.sort_key, r.id], workspace.id);
    }),
    hasNextPage: page.hasNextPage,
  };
}

/**
 * Every catalog app the workspace's client may see (visibleAppRanges) with its
 * effective resolution in one workspace, by name, keyset-paged on the apps
 * owner-and-name index: the public range and the client's directory's, merged
 * (the two decision rows are primary-key lookups per app of the page).
 */
export function listWorkspaceApps(
  db: Db,
  input: { workspace: Workspace; first?: number | null; after?: string | null },
): Page<WorkspaceApp> {
  const seek = workspaceAppsSeek(input);
  return workspaceAppsPage(input.workspace, seek.size, db.all<WorkspaceAppRow>(workspaceAppsSql(input.workspace, seek, SQLITE_WORKSPACE_APPS)));
}

export function parseScopes(json: string | null): string[] | null {
  return json === null ? null : (JSON.parse(json) as string[]);
}

/** Many workspaces in ONE statement, in key order; null where there is none. */
export function getWorkspaces(db: Db, ids: readonly string[]): (Workspace | null)[] {
  // From the ids into the table (CROSS JOIN fixes the order): with statistics, `w.id IN (json_each)` scanned it.
  const rows = db.all<{ id: string; client_id: string; name: string; created_at: number }>(sql`
    SELECT w.* FROM json_each(${JSON.stringify(ids)}) AS k CROSS JOIN workspaces AS w ON w.id = k.value`);
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, clientId: r.client_id, name: r.name, createdAt: new Date(r.created_at) }]));
  return ids.map((id) => byId.get(id) ?? null);
}
