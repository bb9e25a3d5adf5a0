/**
 * Install requests on Postgres, the reads: one by id, and a client's or a workspace's by status,
 * newest first, with SQLite's cursors (services/install-requests.ts; the same statements, the same
 * mapper). The writes (create, cancel, resolve) are not ported yet.
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import type { InstallRequestStatus } from '../../db/schema';
import { toRequest, type InstallRequest, type InstallRequestPage, type RequestRow } from '../../services/install-requests';
import { decodeCursor, pageSize, toPage, withCursor } from '../../services/pagination';
import { pgRows } from './rows';

export async function findInstallRequest(db: PgDb, id: string): Promise<InstallRequest | null> {
  const [row] = await pgRows(db)<RequestRow>(sql`SELECT * FROM install_requests WHERE id = ${id}`);
  return row ? toRequest(row) : null;
}

export async function listInstallRequests(
  db: PgDb,
  input: { clientId: string; workspaceId: string | null; status: InstallRequestStatus; first?: number | null; after?: string | null },
): Promise<InstallRequestPage> {
  const size = pageSize(input.first);
  const list = JSON.stringify([input.clientId, input.workspaceId, input.status]);
  const after = decodeCursor('req', input.after, ['number', 'string'], 'after', list);
  const owner = input.workspaceId === null ? sql`r.client_id = ${input.clientId}` : sql`r.workspace_id = ${input.workspaceId}`;
  const rows = await pgRows(db)<RequestRow>(sql`
    SELECT r.* FROM install_requests AS r
    WHERE ${owner} AND r.status = ${input.status}
      ${after ? sql`AND (r.created_at, r.id) < (${after[0]}::bigint, ${after[1]})` : sql``}
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => withCursor(toRequest(row), 'req', [row.created_at, row.id], list)),
    hasNextPage: page.hasNextPage,
  };
}
