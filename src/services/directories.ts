import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Db } from '../db/open';
import { directories } from '../db/schema';
import { ConflictError } from '../errors';
import { validateName } from './clients';
import { parseId } from './ids';

export interface Directory {
  id: string;
  name: string;
}

/** Looked up on every directory-scoped request, so compiled once per database. */
const directoryById = preparedPerDatabase((db) =>
  db
    .select({ id: directories.id, name: directories.name })
    .from(directories)
    .where(eq(directories.id, sql.placeholder('id')))
    .prepare(),
);

/** One directory by its canonical (lowercase) id, or null. */
export function findDirectory(db: Db, id: string): Directory | null {
  return directoryById(db).get({ id }) ?? null;
}

export function createDirectory(db: Db, input: { name: string; id?: string }): Directory {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  return db.transaction(
    (tx) => {
      if (findDirectory(tx, id)) throw new ConflictError(`A directory with id ${id} already exists`);
      tx.insert(directories).values({ id, name, createdAt: new Date() }).run();
      return { id, name };
    },
    { behavior: 'immediate' },
  );
}
