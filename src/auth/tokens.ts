import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Db } from '../db/open';
import { tokens, type TokenKind } from '../db/schema';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../errors';
import { findClient } from '../services/clients';
import { findDirectory } from '../services/directories';
import { parseId } from '../services/ids';
import { isScope, SCOPES, type Principal, type Scope } from './principal';

const TOKEN_PREFIX = 'agv_';
/** `agv_` + 32 random bytes in base64url. */
export const TOKEN_PATTERN = /^agv_[A-Za-z0-9_-]{43}$/;

/** Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export interface CreateTokenInput {
  kind: TokenKind;
  clientId?: string | null;
  /** Required for (and only for) `directory` tokens. */
  directoryId?: string | null;
  scopes?: readonly string[];
  name?: string;
  /** After this instant the token is refused with TOKEN_EXPIRED; absent: never. */
  expiresAt?: Date | null;
}

/**
 * Issues a token and stores only its hash. The secret is returned once, here,
 * and can never be read back.
 */
export function createToken(db: Db, input: CreateTokenInput): { id: string; token: string; expiresAt?: string } {
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
    if (!findClient(db, clientId)) throw new NotFoundError(`Client not found: ${clientId}`);
  } else if (input.clientId) {
    const what = input.kind === 'internal' ? 'an internal token acts on every client' : 'a directory token acts on its own businesses';
    throw new BadUserInputError(`${what} and takes no client`, { field: 'client' });
  }
  const directoryId = directoryOfNewToken(db, input);
  const name = (input.name ?? `${input.kind} token`).trim();
  if (name.length === 0 || name.length > 100) {
    throw new BadUserInputError('name must be 1 to 100 characters', { field: 'name' });
  }
  const createdAt = new Date();
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && expiresAt.getTime() <= createdAt.getTime()) {
    throw new BadUserInputError(`the expiry ${expiresAt.toISOString()} is not in the future`, { field: 'expires' });
  }
  const id = randomUUID();
  const token = generateTokenSecret();
  db.insert(tokens)
    .values({ id, name, kind: input.kind, clientId, directoryId, tokenHash: hashToken(token), scopes, createdAt, expiresAt })
    .run();
  return { id, token, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) };
}

function directoryOfNewToken(db: Db, input: CreateTokenInput): string | null {
  if (input.kind !== 'directory') {
    if (input.directoryId) throw new BadUserInputError('only a directory token takes a directory', { field: 'directory' });
    return null;
  }
  if (!input.directoryId) throw new BadUserInputError('a directory token needs the directory it acts for', { field: 'directory' });
  const directoryId = parseId(input.directoryId, 'directory');
  if (!findDirectory(db, directoryId)) throw new NotFoundError(`Directory not found: ${directoryId}`);
  return directoryId;
}

/** Runs on every request. */
const tokenByHash = preparedPerDatabase((db) =>
  db.select().from(tokens).where(eq(tokens.tokenHash, sql.placeholder('hash'))).prepare(),
);

/** A token this server never issued: said so, whatever it looks like (a well-formed header is not "malformed"). */
export const UNKNOWN_TOKEN_MESSAGE = 'Unknown token: this server never issued it (appgov tokens start with agv_; `appgov token create` makes one)';

/**
 * The secret of a `Bearer <token>` header: any case of "Bearer", any spaces around it. Null
 * without a header (or an empty one); `malformed` for anything that is not `Bearer <one word>`. The one reading of the header: the principal and the rate budget agree on it.
 */
export function bearerSecret(authorization: string | null): string | null | 'malformed' {
  if (authorization === null || authorization.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!match?.[1]) return 'malformed';
  return match[1];
}

/**
 * The principal behind an `Authorization` header. No header: null (the
 * request is anonymous and only schema introspection will answer). A header
 * that is not `Bearer <token>` is malformed; a well-formed one whose token is
 * not ours (`Bearer hello`) is unknown; both are UNAUTHENTICATED.
 */
export function resolvePrincipal(db: Db, authorization: string | null, now: Date = new Date()): Principal | null {
  const hash = tokenHashOf(authorization);
  if (hash === null) return null;
  return principalOfToken(hash === UNKNOWN ? undefined : tokenByHash(db).get({ hash }), now);
}

const UNKNOWN = Symbol('unknown token');

/**
 * The hash to look a header's token up by: null without a header, UNKNOWN for a token not of our
 * format (no such token was ever issued, no need to look); UNAUTHENTICATED for a malformed header.
 * Shared by both stores' resolvePrincipal.
 */
export function tokenHashOf(authorization: string | null): string | null | typeof UNKNOWN {
  const secret = bearerSecret(authorization);
  if (secret === null) return null;
  if (secret === 'malformed') throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>"');
  return TOKEN_PATTERN.test(secret) ? hashToken(secret) : UNKNOWN;
}
export { UNKNOWN as UNKNOWN_TOKEN };

/** A token's row as either store reads it: times as Dates (SQLite's mode) or ms (Postgres's). */
export interface TokenRow {
  id: string;
  kind: TokenKind;
  name: string;
  clientId: string | null;
  directoryId: string | null;
  scopes: string[];
  revokedAt: Date | number | null;
  expiresAt: Date | number | null;
}

/** The principal a token row stands for, or why it stands for none (unknown, revoked, expired): the rule both stores apply. */
export function principalOfToken(row: TokenRow | undefined, now: Date): Principal {
  if (!row) throw new UnauthenticatedError(UNKNOWN_TOKEN_MESSAGE);
  if (row.revokedAt !== null) throw new UnauthenticatedError('This token was revoked', { reason: 'TOKEN_REVOKED' });
  if (row.expiresAt !== null && Number(row.expiresAt instanceof Date ? row.expiresAt.getTime() : row.expiresAt) <= now.getTime()) {
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

type Settled = { principal: Principal | null } | { error: unknown };

/** Per request object: the lookup of its principal, and once it is done its answer (the principal, or the UNAUTHENTICATED error its header gets). */
const principalByRequest = new WeakMap<Request, { lookup: Promise<Principal | null>; settled?: Settled }>();

/** How a store resolves an Authorization header (resolvePrincipal, bound to its database). */
export type PrincipalResolver = (authorization: string | null) => Promise<Principal | null>;

/**
 * The principal of a request's `Authorization` header, looked up through the store once per
 * request object: the rate limiter (which keys budgets on the token), the trusted-documents rule
 * and the request context share the lookup. A route that passes Slack's `token` parameter builds
 * a request of its own, looked up apart (src/routes/plugin.ts).
 */
export function requestPrincipal(resolve: PrincipalResolver, request: Request): Promise<Principal | null> {
  let known = principalByRequest.get(request);
  if (!known) {
    const entry: { lookup: Promise<Principal | null>; settled?: Settled } = { lookup: Promise.resolve(null) };
    entry.lookup = resolve(request.headers.get('authorization')).then(
      (principal) => {
        entry.settled = { principal };
        return principal;
      },
      (error: unknown) => {
        entry.settled = { error };
        throw error;
      },
    );
    // Read by whoever awaits it; an UNAUTHENTICATED answer left unread is not an unhandled rejection.
    entry.lookup.catch(() => {});
    principalByRequest.set(request, (known = entry));
  }
  return known.lookup;
}

/**
 * The answer of a lookup that requestPrincipal started and that has finished, for the hooks that
 * cannot wait (the rate limiter's validation step): undefined before that.
 */
export function settledPrincipal(request: Request): Principal | null | undefined {
  const settled = principalByRequest.get(request)?.settled;
  if (!settled) return undefined;
  if ('error' in settled) throw settled.error;
  return settled.principal;
}

/**
 * `--expires-in 30d` (days, hours or minutes: 30d, 12h, 90m) or a date
 * (`2027-01-31`, or any ISO 8601 instant) → the expiry instant.
 */
export function parseExpiry(value: string, now: Date = new Date()): Date {
  const relative = /^(\d{1,6})([dhm])$/.exec(value.trim());
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + Number(relative[1]) * unit);
  }
  const date = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?$/.test(value.trim()) ? new Date(value.trim()) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new BadUserInputError(`expiry must be a duration like 30d, 12h or 90m, or a date like 2027-01-31; got ${JSON.stringify(value)}`, {
      field: 'expires',
    });
  }
  return date;
}

/** Revokes a token for good. Idempotent: revoking again keeps the first revocation time. */
export function revokeToken(db: Db, rawId: string, now: Date = new Date()): { id: string; revokedAt: string } {
  const id = parseId(rawId, 'id');
  return db.transaction(
    (tx) => {
      const row = tx.select({ revokedAt: tokens.revokedAt }).from(tokens).where(eq(tokens.id, id)).get();
      if (!row) throw new NotFoundError(`Token not found: ${id}`, { field: 'id' });
      if (row.revokedAt) return { id, revokedAt: row.revokedAt.toISOString() };
      tx.update(tokens).set({ revokedAt: now }).where(eq(tokens.id, id)).run();
      return { id, revokedAt: now.toISOString() };
    },
    { behavior: 'immediate' },
  );
}

/** Every token, oldest first, without secrets or hashes. */
export function listTokens(db: Db) {
  return db
    .select()
    .from(tokens)
    .orderBy(tokens.createdAt, tokens.id)
    .all()
    .map((t) => ({
      id: t.id,
      kind: t.kind,
      name: t.name,
      scopes: t.scopes,
      client: t.clientId,
      created: t.createdAt.toISOString(),
      expires: t.expiresAt?.toISOString() ?? null,
      revoked: t.revokedAt?.toISOString() ?? null,
    }));
}
