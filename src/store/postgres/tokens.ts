/**
 * The Postgres store for tokens: issue, revoke, list, and the lookup that turns a bearer token
 * into a Principal, with auth/tokens.ts's own format, hashing, header reading, checks and errors.
 * Revocation is one row in the shared database: every instance refuses the token on its next
 * request (no cache here).
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { isScope, SCOPES, type Principal, type Scope } from '../../auth/principal';
import { bearerSecret, generateTokenSecret, hashToken, TOKEN_PATTERN, UNKNOWN_TOKEN_MESSAGE, type CreateTokenInput } from '../../auth/tokens';
import type { PgDb } from '../../db/postgres';
import { tokens } from '../../db/postgres-schema';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../../errors';
import { parseId } from '../../services/ids';
import { inTransaction, type PgTx } from './transaction';

async function exists(tx: PgTx, query: ReturnType<typeof sql>): Promise<boolean> {
  return (await tx.execute(query)).rows.length > 0;
}

/**
 * Issues a token and stores only its hash; the secret is returned once. The checks run in
 * SQLite's order (so the first bad field is the one named): scopes, client, directory, name,
 * expiry; the client or directory it is bound to is key-share locked until the insert.
 */
export async function createToken(db: PgDb, input: CreateTokenInput): Promise<{ id: string; token: string; expiresAt?: string }> {
  const scopes = [...new Set(input.scopes ?? ['apps:read', 'apps:write'])];
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new BadUserInputError(
      scopes.length === 0 ? 'scopes must name at least one scope' : `unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`,
      { field: 'scopes' },
    );
  }
  let clientId: string | null = null;
  if (input.kind === 'client') {
    if (!input.clientId) throw new BadUserInputError('a client token needs the client it is bound to', { field: 'client' });
    clientId = parseId(input.clientId, 'client');
  } else if (input.clientId) {
    const what = input.kind === 'internal' ? 'an internal token acts on every client' : 'a directory token acts on its own businesses';
    throw new BadUserInputError(`${what} and takes no client`, { field: 'client' });
  }
  const boundClient = clientId;
  return inTransaction(db, async (tx) => {
    if (boundClient !== null && !(await exists(tx, sql`SELECT 1 FROM clients WHERE id = ${boundClient} FOR KEY SHARE`))) {
      throw new NotFoundError(`Client not found: ${boundClient}`);
    }
    let directoryId: string | null = null;
    if (input.kind !== 'directory') {
      if (input.directoryId) throw new BadUserInputError('only a directory token takes a directory', { field: 'directory' });
    } else {
      if (!input.directoryId) throw new BadUserInputError('a directory token needs the directory it acts for', { field: 'directory' });
      directoryId = parseId(input.directoryId, 'directory');
      if (!(await exists(tx, sql`SELECT 1 FROM directories WHERE id = ${directoryId} FOR KEY SHARE`))) {
        throw new NotFoundError(`Directory not found: ${directoryId}`);
      }
    }
    const name = (input.name ?? `${input.kind} token`).trim();
    if (name.length === 0 || name.length > 100) {
      throw new BadUserInputError('name must be 1 to 100 characters', { field: 'name' });
    }
    const createdAt = new Date();
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= createdAt.getTime()) {
      throw new BadUserInputError(`the expiry ${expiresAt.toISOString()} is not in the future`, { field: 'expires' });
    }
    // Made inside: a retried attempt issues a fresh secret, and the one returned is the one stored.
    const id = randomUUID();
    const token = generateTokenSecret();
    await tx.insert(tokens).values({
      id, name, kind: input.kind, clientId: boundClient, directoryId, tokenHash: hashToken(token), scopes,
      createdAt: createdAt.getTime(), expiresAt: expiresAt?.getTime() ?? null,
    });
    return { id, token, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
  });
}

/**
 * The principal behind an `Authorization` header (auth/tokens.ts resolvePrincipal): null without
 * one; UNAUTHENTICATED when malformed, unknown, revoked (TOKEN_REVOKED) or expired (TOKEN_EXPIRED).
 * One primary-key-like seek on the unique token_hash index.
 */
export async function resolvePrincipal(db: PgDb, authorization: string | null, now: Date = new Date()): Promise<Principal | null> {
  const secret = bearerSecret(authorization);
  if (secret === null) return null;
  if (secret === 'malformed') throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>"');
  const [row] = TOKEN_PATTERN.test(secret) ? await db.select().from(tokens).where(eq(tokens.tokenHash, hashToken(secret))) : [];
  if (!row) throw new UnauthenticatedError(UNKNOWN_TOKEN_MESSAGE);
  if (row.revokedAt !== null) throw new UnauthenticatedError('This token was revoked', { reason: 'TOKEN_REVOKED' });
  if (row.expiresAt !== null && row.expiresAt <= now.getTime()) {
    throw new UnauthenticatedError('This token has expired', { reason: 'TOKEN_EXPIRED' });
  }
  return {
    tokenId: row.id,
    kind: row.kind,
    name: row.name,
    clientId: row.clientId,
    scopes: row.scopes.filter(isScope) as Scope[],
    ...(row.kind === 'directory' ? { directoryId: row.directoryId, authorizedBusinessIds: new Set<string>() } : {}),
  };
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
  const all = await db.select().from(tokens).orderBy(asc(tokens.createdAt), asc(tokens.id));
  return all.map((t) => ({
    id: t.id,
    kind: t.kind,
    name: t.name,
    scopes: t.scopes,
    client: t.clientId,
    created: new Date(t.createdAt).toISOString(),
    expires: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
    revoked: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
  }));
}
