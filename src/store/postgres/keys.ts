/**
 * The cursor secret on Postgres (db/keys.ts on SQLite): kept in `service_keys`, created on first
 * start. Race-free when many instances start at once: each offers its candidate with
 * INSERT ... ON CONFLICT DO NOTHING, then all read the one row that won, so every instance seals
 * cursors with the same secret (a cursor from one instance opens on another). No lock is taken.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { serviceKeys } from '../../db/postgres-schema';
import { currentCursorSecret, useCursorSecret } from '../../services/pagination';

/** The database's cursor secret; `candidate` becomes it when the database has none yet. */
export async function readCursorSecret(db: PgDb, candidate: Buffer = currentCursorSecret()): Promise<Buffer> {
  const secret = candidate.length === 32 ? candidate : randomBytes(32);
  await db.insert(serviceKeys).values({ name: 'cursor', secret, createdAt: Date.now() }).onConflictDoNothing({ target: serviceKeys.name });
  const [row] = await db.select({ secret: serviceKeys.secret }).from(serviceKeys).where(eq(serviceKeys.name, 'cursor'));
  if (!row) throw new Error('service_keys has no cursor secret after inserting one');
  return Buffer.from(row.secret);
}

/**
 * Installs the cursor secret kept in the database, creating it on first start. A database
 * without one adopts the process's current secret, as on SQLite.
 */
export async function loadCursorSecret(db: PgDb): Promise<void> {
  useCursorSecret(await readCursorSecret(db));
}
