import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Db } from '../db/open';
import { clients } from '../db/schema';
import { BadUserInputError, ConflictError } from '../errors';
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
    .select({ id: clients.id, name: clients.name })
    .from(clients)
    .where(eq(clients.id, sql.placeholder('id')))
    .prepare(),
);

/** One client by its canonical (lowercase) id, or null. */
export function findClient(db: Db, id: string): { id: string; name: string } | null {
  return clientById(db).get({ id }) ?? null;
}

export function createClient(db: Db, input: { name: string; id?: string }): { id: string; name: string } {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  return db.transaction(
    (tx) => {
      if (findClient(tx, id)) {
        throw new ConflictError(`A client with id ${id} already exists`);
      }
      tx.insert(clients).values({ id, name, createdAt: new Date() }).run();
      return { id, name };
    },
    { behavior: 'immediate' },
  );
}
