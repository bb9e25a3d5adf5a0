/**
 * The Postgres store's reads of who is asking and on whose behalf: the principal of an
 * Authorization header, clients, directories and workspaces. The same answers as the SQLite
 * services (auth/tokens.ts, services/clients.ts, directories.ts, workspaces.ts), by the same
 * rules (tokenHashOf, principalOfToken, the workspace cursor), each one statement.
 */
import { sql } from 'drizzle-orm';
import { principalOfToken, tokenHashOf, UNKNOWN_TOKEN, type TokenRow } from '../../auth/tokens';
import type { Principal } from '../../auth/principal';
import type { PgDb } from '../../db/postgres';
import type { TokenKind } from '../../db/schema';
import type { Directory } from '../../services/directories';
import { decodeCursor, pageSize, toPage, withCursor } from '../../services/pagination';
import type { Workspace, WorkspacePage } from '../../services/workspaces';

async function rows<T>(db: PgDb, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** int8 columns arrive as strings through Drizzle (see decisions.ts); null stays null. */
const ms = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export async function resolvePrincipal(db: PgDb, authorization: string | null, now: Date = new Date()): Promise<Principal | null> {
  const hash = tokenHashOf(authorization);
  if (hash === null) return null;
  let row: TokenRow | undefined;
  if (hash !== UNKNOWN_TOKEN) {
    const [found] = await rows<{ id: string; kind: TokenKind; name: string; client_id: string | null; directory_id: string | null; scopes: string[]; revoked_at: unknown; expires_at: unknown }>(
      db,
      sql`SELECT id, kind, name, client_id, directory_id, scopes, revoked_at, expires_at FROM tokens WHERE token_hash = ${hash}`,
    );
    if (found) {
      row = { id: found.id, kind: found.kind, name: found.name, clientId: found.client_id, directoryId: found.directory_id, scopes: found.scopes, revokedAt: ms(found.revoked_at), expiresAt: ms(found.expires_at) };
    }
  }
  return principalOfToken(row, now);
}

export async function findClient(db: PgDb, id: string): Promise<{ id: string; name: string; directoryId: string | null } | null> {
  const [client] = await rows<{ id: string; name: string; directory_id: string | null }>(db, sql`SELECT id, name, directory_id FROM clients WHERE id = ${id}`);
  return client ? { id: client.id, name: client.name, directoryId: client.directory_id } : null;
}

export async function findDirectory(db: PgDb, id: string): Promise<Directory | null> {
  const [directory] = await rows<Directory>(db, sql`SELECT id, name FROM directories WHERE id = ${id}`);
  return directory ? { id: directory.id, name: directory.name } : null;
}

type WorkspaceRow = { id: string; client_id: string; name: string; created_at: unknown };
const toWorkspace = (r: WorkspaceRow): Workspace => ({ id: r.id, clientId: r.client_id, name: r.name, createdAt: new Date(Number(r.created_at)) });

export async function findWorkspace(db: PgDb, id: string): Promise<Workspace | null> {
  const [workspace] = await rows<WorkspaceRow>(db, sql`SELECT id, client_id, name, created_at FROM workspaces WHERE id = ${id}`);
  return workspace ? toWorkspace(workspace) : null;
}

/** Many workspaces in ONE statement, in key order; null where there is none. */
export async function getWorkspaces(db: PgDb, ids: readonly string[]): Promise<(Workspace | null)[]> {
  const found = await rows<WorkspaceRow>(db, sql`
    SELECT w.id, w.client_id, w.name, w.created_at FROM workspaces AS w
    WHERE w.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
  const byId = new Map(found.map((r) => [r.id, toWorkspace(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** A client's workspaces by name (lower(name COLLATE "C"), as SQLite's lower(name) orders), keyset-paged with SQLite's cursors. */
export async function listWorkspaces(db: PgDb, input: { clientId: string; first?: number | null; after?: string | null }): Promise<WorkspacePage> {
  const size = pageSize(input.first);
  const after = decodeCursor('ws', input.after, ['string', 'string'], 'after', input.clientId);
  const key = sql`lower(w.name COLLATE "C")`;
  const found = await rows<WorkspaceRow & { k: string }>(db, sql`
    SELECT w.id, w.client_id, w.name, w.created_at, ${key} AS k FROM workspaces AS w
    WHERE w.client_id = ${input.clientId}
      ${after ? sql`AND ${key} >= ${after[0]} AND (${key} > ${after[0]} OR w.id > ${after[1]})` : sql``}
    ORDER BY ${key}, w.id
    LIMIT ${size + 1}`);
  const page = toPage(found, size);
  return {
    items: page.items.map((r) => withCursor(toWorkspace(r), 'ws', [r.k, r.id], input.clientId)),
    hasNextPage: page.hasNextPage,
  };
}
