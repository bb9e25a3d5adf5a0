/**
 * Workspace.apps on Postgres, as services/workspaces.ts listWorkspaceApps on SQLite: every app the
 * workspace's client may see, by name, with its effective resolution there (Slack's precedence, the
 * shared effectiveResolution). The same statement but for the name key, PG_APPS's
 * `lower(a.name COLLATE "C")`, which orders exactly as SQLite's lower(a.name) and is the key of
 * apps_owner_name_idx, and each visible range its own ordered seek cut to the page (Postgres does not
 * merge a top-level UNION ALL's index scans in order: without the cut it reads and sorts every
 * visible app). Same pages, same cursors.
 */
import type { PgDb } from '../../db/postgres';
import type { Page } from '../../services/pagination';
import { workspaceAppsPage, workspaceAppsSeek, workspaceAppsSql, type Workspace, type WorkspaceApp, type WorkspaceAppRow, type WorkspaceAppsDialect } from '../../services/workspaces';
import { PG_APPS } from './client-apps';
import { pgRows } from './rows';

const PG_WORKSPACE_APPS: WorkspaceAppsDialect = { nameKey: PG_APPS.nameKey, boundEachRange: true };

export async function listWorkspaceApps(db: PgDb, input: { workspace: Workspace; first?: number | null; after?: string | null }): Promise<Page<WorkspaceApp>> {
  const seek = workspaceAppsSeek(input);
  const rows = await pgRows(db)<WorkspaceAppRow>(workspaceAppsSql(input.workspace, seek, PG_WORKSPACE_APPS));
  return workspaceAppsPage(input.workspace, seek.size, rows);
}
