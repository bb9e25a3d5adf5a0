import { randomUUID } from 'node:crypto';
import { asc, eq, gt, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Db } from '../db/open';
import { clients } from '../db/schema';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors';
import { findDirectory } from './directories';
import { checkText } from './fields';
import { parseId } from './ids';

export function validateName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new BadUserInputError(`${field} must be 1 to 200 characters`, { field });
  }
  checkText(trimmed, field);
  return trimmed;
}

/** Looked up on every client-scoped request, so built and compiled once per database. */
const clientById = preparedPerDatabase((db) =>
  db
    .select({ id: clients.id, name: clients.name, directoryId: clients.directoryId })
    .from(clients)
    .where(eq(clients.id, sql.placeholder('id')))
    .prepare(),
);

/** One client by its canonical (lowercase) id, or null. `directoryId` is set for a business. */
export function findClient(db: Db, id: string): { id: string; name: string; directoryId: string | null } | null {
  return clientById(db).get({ id }) ?? null;
}

/** `directoryId` makes the client a business of that directory (NOT_FOUND when unknown). */
export function createClient(db: Db, input: { name: string; id?: string; directoryId?: string }): { id: string; name: string } {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  const directoryId = input.directoryId === undefined ? null : parseId(input.directoryId, 'directory');
  return db.transaction(
    (tx) => {
      if (findClient(tx, id)) {
        throw new ConflictError(`A client with id ${id} already exists`);
      }
      if (directoryId !== null && !findDirectory(tx, directoryId)) throw new NotFoundError(`Directory not found: ${directoryId}`);
      // The columns it sets, named: every later column keeps its default (and this runs on a database being upgraded, too).
      tx.run(sql`INSERT INTO clients (id, name, directory_id, created_at) VALUES (${id}, ${name}, ${directoryId}, ${Date.now()})`);
      return { id, name };
    },
    { behavior: 'immediate' },
  );
}

export interface ClientRow {
  id: string;
  name: string;
  createdAt: Date;
}

/** One page of clients in id order, after `after`: a keyset seek on the primary key. */
export function listClients(db: Db, page: { after?: string | null; limit: number }): ClientRow[] {
  return db
    .select({ id: clients.id, name: clients.name, createdAt: clients.createdAt })
    .from(clients)
    .where(page.after ? gt(clients.id, page.after) : undefined)
    .orderBy(asc(clients.id))
    .limit(page.limit)
    .all();
}
