/**
 * The Postgres store for tokens: issue, revoke and list, with auth/tokens.ts's own validation,
 * secret format, hashing and listing (the lookup of a bearer token is tenancy.ts's
 * resolvePrincipal). Revocation is one row in the shared database: every instance refuses the
 * token on its next request (no cache).
 */
import { asc, sql } from 'drizzle-orm';
import { issueToken, tokenListing, validateNewToken, type CreateTokenInput } from '../../auth/tokens';
import type { PgDb } from '../../db/postgres';
import { tokens } from '../../db/postgres-schema';
import { NotFoundError } from '../../errors';
import { parseId } from '../../services/ids';
import { inTransaction, type PgTx } from './transaction';

async function exists(tx: PgTx, query: ReturnType<typeof sql>): Promise<boolean> {
  return (await tx.execute(query)).rows.length > 0;
}

/**
 * Issues a token and stores only its hash; the secret is returned once. The client or directory
 * it is bound to is key-share locked until the insert (it cannot vanish in between).
 */
export async function createToken(db: PgDb, input: CreateTokenInput): Promise<{ id: string; token: string; expiresAt?: string }> {
  const token = validateNewToken(input, new Date());
  return inTransaction(db, async (tx) => {
    if (token.clientId !== null && !(await exists(tx, sql`SELECT 1 FROM clients WHERE id = ${token.clientId} FOR KEY SHARE`))) {
      throw new NotFoundError(`Client not found: ${token.clientId}`);
    }
    if (token.directoryId !== null && !(await exists(tx, sql`SELECT 1 FROM directories WHERE id = ${token.directoryId} FOR KEY SHARE`))) {
      throw new NotFoundError(`Directory not found: ${token.directoryId}`);
    }
    // Made inside: a retried attempt issues a fresh secret, and the one answered is the one stored.
    const issued = issueToken(token);
    await tx.insert(tokens).values({
      ...token,
      id: issued.id,
      tokenHash: issued.tokenHash,
      createdAt: token.createdAt.getTime(),
      expiresAt: token.expiresAt?.getTime() ?? null,
    });
    return issued.answer();
  });
}

/** Revokes a token for good, in one statement. Idempotent: revoking again keeps the first revocation time. */
export async function revokeToken(db: PgDb, rawId: string, now: Date = new Date()): Promise<{ id: string; revokedAt: string }> {
  const id = parseId(rawId, 'id');
  return inTransaction(db, async (tx) => {
    const [row] = (await tx.execute(sql`
      UPDATE tokens SET revoked_at = coalesce(revoked_at, ${now.getTime()}::bigint) WHERE id = ${id} RETURNING revoked_at`)).rows as { revoked_at: number | string }[];
    if (!row) throw new NotFoundError(`Token not found: ${id}`, { field: 'id' });
    return { id, revokedAt: new Date(Number(row.revoked_at)).toISOString() };
  });
}

/** Every token, oldest first, without secrets or hashes. */
export async function listTokens(db: PgDb) {
  return (await db.select().from(tokens).orderBy(asc(tokens.createdAt), asc(tokens.id))).map(tokenListing);
}
