import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { preparedPerDatabase, type Db } from '../db/open';
import { tokens, type TokenKind } from '../db/schema';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../errors';
import { findClient } from '../services/clients';
import { parseId } from '../services/ids';
import { isScope, SCOPES, type Principal, type Scope } from './principal';

const TOKEN_PREFIX = 'agv_';
/** `agv_` + 32 random bytes in base64url. */
const TOKEN_PATTERN = /^agv_[A-Za-z0-9_-]{43}$/;

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
  scopes?: readonly string[];
  name?: string;
}

/**
 * Issues a token and stores only its hash. The secret is returned once, here,
 * and can never be read back.
 */
export function createToken(db: Db, input: CreateTokenInput): { id: string; token: string } {
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
    throw new BadUserInputError('an internal token acts on every client and takes no client', { field: 'client' });
  }
  const name = (input.name ?? `${input.kind} token`).trim();
  if (name.length === 0 || name.length > 100) {
    throw new BadUserInputError('name must be 1 to 100 characters', { field: 'name' });
  }
  const id = randomUUID();
  const token = generateTokenSecret();
  db.insert(tokens)
    .values({ id, name, kind: input.kind, clientId, tokenHash: hashToken(token), scopes, createdAt: new Date() })
    .run();
  return { id, token };
}

/** Runs on every request. */
const tokenByHash = preparedPerDatabase((db) =>
  db.select().from(tokens).where(eq(tokens.tokenHash, sql.placeholder('hash'))).prepare(),
);

/**
 * The principal behind an `Authorization` header. No header: null (the
 * request is anonymous and only schema introspection will answer). A header
 * that is not `Bearer <token>`, or a token that is not ours: UNAUTHENTICATED.
 */
export function resolvePrincipal(db: Db, authorization: string | null): Principal | null {
  if (authorization === null || authorization.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!match?.[1] || !TOKEN_PATTERN.test(match[1])) {
    throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>"');
  }
  const row = tokenByHash(db).get({ hash: hashToken(match[1]) });
  if (!row) throw new UnauthenticatedError('Unknown token');
  return {
    tokenId: row.id,
    kind: row.kind,
    name: row.name,
    clientId: row.clientId,
    scopes: row.scopes.filter(isScope) as Scope[],
  };
}
