import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/open';
import { clients } from '../db/schema';
import { BadUserInputError, ConflictError } from '../errors';
import { parseId } from './ids';

export function validateName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) {
    throw new BadUserInputError(`${field} must be 1 to 200 characters`, { field });
  }
  return trimmed;
}

export function createClient(db: Db, input: { name: string; id?: string }): { id: string; name: string } {
  const name = validateName(input.name);
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  return db.transaction(
    (tx) => {
      if (tx.select({ id: clients.id }).from(clients).where(eq(clients.id, id)).get()) {
        throw new ConflictError(`A client with id ${id} already exists`);
      }
      tx.insert(clients).values({ id, name, createdAt: new Date() }).run();
      return { id, name };
    },
    { behavior: 'immediate' },
  );
}
