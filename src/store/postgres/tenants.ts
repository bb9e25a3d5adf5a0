/**
 * The Postgres store for the tenancy aggregates: clients, directories and workspaces, with the
 * same validation, errors, ids, ordering and cursors as services/clients.ts, directories.ts and
 * workspaces.ts on SQLite (the pure helpers are theirs). Each create is one transaction; an id
 * that another writer inserts between the check and the insert still answers CONFLICT
 * (ON CONFLICT DO NOTHING, then the same error), never a unique-violation 500.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { ConflictError, NotFoundError } from '../../errors';
import type { ClientRow } from '../../services/clients';
import { validateName } from '../../services/clients';
import type { Directory } from '../../services/directories';
import { parseId } from '../../services/ids';
import { decodeCursor, pageSize, toPage, withCursor } from '../../services/pagination';
import type { Workspace, WorkspacePage } from '../../services/workspaces';
import { inTransaction, type PgTx } from './transaction';

type Runner = PgDb | PgTx;

async function rows<T>(db: Runner, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** One client by its canonical (lowercase) id, or null. `directoryId` is set for a business. */
export async function findClient(db: Runner, id: string): Promise<{ id: string; name: string; directoryId: string | null } | null> {
  const [row] = await rows<{ id: string; name: string; directory_id: string | null }>(db, sql`SELECT id, name, directory_id FROM clients WHERE id = ${id}`);
  return row ? { id: row.id, name: row.name, directoryId: row.directory_id } : null;
}

/** One directory by its canonical (lowercase) id, or null. */
export async function findDirectory(db: Runner, id: string): Promise<Directory | null> {
  const [row] = await rows<Directory>(db, sql`SELECT id, name FROM directories WHERE id = ${id}`);
  return row ?? null;
}

/** The directory row, kept from being deleted until this transaction ends (a key-share lock, as the foreign key takes). */
async function directoryExists(tx: PgTx, id: string): Promise<boolean> {
  return (await rows(tx, sql`SELECT 1 FROM directories WHERE id = ${id} FOR KEY SHARE`)).length > 0;
}

/** `directoryId` makes the client a business of that directory (NOT_FOUND when unknown). */
export async function createClient(db: PgDb, input: { name: string; id?: string; directoryId?: string }): Promise<{ id: string; name: string }> {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  const directoryId = input.directoryId === undefined ? null : parseId(input.directoryId, 'directory');
  const duplicate = () => new ConflictError(`A client with id ${id} already exists`);
  return inTransaction(db, async (tx) => {
    if (await findClient(tx, id)) throw duplicate();
    if (directoryId !== null && !(await directoryExists(tx, directoryId))) throw new NotFoundError(`Directory not found: ${directoryId}`);
    const inserted = await rows(tx, sql`
      INSERT INTO clients (id, name, directory_id, created_at) VALUES (${id}, ${name}, ${directoryId}, ${Date.now()}::bigint)
      ON CONFLICT (id) DO NOTHING RETURNING id`);
    if (inserted.length === 0) throw duplicate();
    return { id, name };
  });
}

/** One page of clients in id order, after `after`: a keyset seek on the primary key. */
export async function listClients(db: PgDb, page: { after?: string | null; limit: number }): Promise<ClientRow[]> {
  const found = await rows<{ id: string; name: string; created_at: number | string }>(db, sql`
    SELECT id, name, created_at FROM clients
    ${page.after ? sql`WHERE id > ${page.after}` : sql``}
    ORDER BY id LIMIT ${page.limit}`);
  return found.map((r) => ({ id: r.id, name: r.name, createdAt: new Date(Number(r.created_at)) }));
}

export async function createDirectory(db: PgDb, input: { name: string; id?: string }): Promise<Directory> {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  const duplicate = () => new ConflictError(`A directory with id ${id} already exists`);
  return inTransaction(db, async (tx) => {
    if (await findDirectory(tx, id)) throw duplicate();
    const inserted = await rows(tx, sql`
      INSERT INTO directories (id, name, created_at) VALUES (${id}, ${name}, ${Date.now()}::bigint)
      ON CONFLICT (id) DO NOTHING RETURNING id`);
    if (inserted.length === 0) throw duplicate();
    return { id, name };
  });
}

interface WorkspaceRecord {
  id: string;
  client_id: string;
  name: string;
  created_at: number | string;
}

const toWorkspace = (r: WorkspaceRecord): Workspace => ({ id: r.id, clientId: r.client_id, name: r.name, createdAt: new Date(Number(r.created_at)) });

/** One workspace by its canonical (lowercase) id, or null. */
export async function findWorkspace(db: Runner, id: string): Promise<Workspace | null> {
  const [row] = await rows<WorkspaceRecord>(db, sql`SELECT id, client_id, name, created_at FROM workspaces WHERE id = ${id}`);
  return row ? toWorkspace(row) : null;
}

export async function createWorkspace(db: PgDb, input: { clientId: string; name: string; id?: string }): Promise<Workspace> {
  const name = validateName(input.name);
  const clientId = parseId(input.clientId, 'client');
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  const duplicate = () => new ConflictError(`A workspace with id ${id} already exists`);
  return inTransaction(db, async (tx) => {
    // The tenant's row first, as every write of one tenant (and SQLite's message when there is none).
    const locked = await rows(tx, sql`SELECT 1 FROM clients WHERE id = ${clientId} FOR NO KEY UPDATE`);
    if (locked.length === 0) throw new NotFoundError(`Client not found: ${clientId}`, { field: 'clientId' });
    if (await findWorkspace(tx, id)) throw duplicate();
    const row = { id, clientId, name, createdAt: new Date() };
    const inserted = await rows(tx, sql`
      INSERT INTO workspaces (id, client_id, name, created_at) VALUES (${id}, ${clientId}, ${name}, ${row.createdAt.getTime()}::bigint)
      ON CONFLICT (id) DO NOTHING RETURNING id`);
    if (inserted.length === 0) throw duplicate();
    return row;
  });
}

/**
 * A client's workspaces by name (case-insensitive: lower(name COLLATE "C") lowers ASCII only and
 * orders by bytes, as SQLite's lower() and BINARY do), keyset-paged on workspaces_client_name_idx;
 * the cursors are SQLite's own.
 */
export async function listWorkspaces(db: PgDb, input: { clientId: string; first?: number | null; after?: string | null }): Promise<WorkspacePage> {
  const size = pageSize(input.first);
  const after = decodeCursor('ws', input.after, ['string', 'string'], 'after', input.clientId);
  const found = await rows<WorkspaceRecord & { k: string }>(db, sql`
    SELECT w.id, w.client_id, w.name, w.created_at, lower(w.name COLLATE "C") AS k FROM workspaces AS w
    WHERE w.client_id = ${input.clientId}
      ${after ? sql`AND (lower(w.name COLLATE "C"), w.id) > (${after[0]}::text COLLATE "C", ${after[1]}::text)` : sql``}
    ORDER BY lower(w.name COLLATE "C"), w.id
    LIMIT ${size + 1}`);
  const page = toPage(found, size);
  return {
    items: page.items.map((r) => withCursor(toWorkspace(r), 'ws', [r.k, r.id], input.clientId)),
    hasNextPage: page.hasNextPage,
  };
}

/** Many workspaces in ONE statement, in key order; null where there is none. */
export async function getWorkspaces(db: PgDb, ids: readonly string[]): Promise<(Workspace | null)[]> {
  if (ids.length === 0) return [];
  const found = await rows<WorkspaceRecord>(db, sql`
    SELECT w.id, w.client_id, w.name, w.created_at FROM workspaces AS w
    WHERE w.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
  const byId = new Map(found.map((r) => [r.id, toWorkspace(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}
