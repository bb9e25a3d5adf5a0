/**
 * Workspace.apps on Postgres, as services/workspaces.ts listWorkspaceApps on SQLite: every app the
 * workspace's client may see, by name, with its effective resolution there (Slack's precedence, the
 * shared effectiveResolution). The same statement but for the name key, PG_APPS's
 * `lower(a.name COLLATE "C")`, which orders exactly as SQLite's lower(a.name) and is the key of
 * apps_owner_name_idx: each visible range a seek from the cursor. Same pages, same cursors.
 */
import type { PgDb } from '../../db/postgres';
import type { Page } from '../../services/pagination';
import { workspaceAppsPage, workspaceAppsSeek, workspaceAppsSql, type Workspace, type WorkspaceApp, type WorkspaceAppRow } from '../../services/workspaces';
import { PG_APPS } from './client-apps';
import { pgRows } from './rows';

export async function listWorkspaceApps(db: PgDb, input: { workspace: Workspace; first?: number | null; after?: string | null }): Promise<Page<WorkspaceApp>> {
  const seek = workspaceAppsSeek(input);
  const rows = await pgRows(db)<WorkspaceAppRow>(workspaceAppsSql(input.workspace, seek, PG_APPS.nameKey));
  return workspaceAppsPage(input.workspace, seek.size, rows);
}
