import type { Db } from '../db/open';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';
import { findClient } from '../services/clients';
import { parseId } from '../services/ids';
import type { Principal, Scope } from './principal';

/** The caller must be authenticated and hold `scope`. */
export function requireScope(principal: Principal | null, scope: Scope): Principal {
  if (!principal) throw new UnauthenticatedError();
  if (!principal.scopes.includes(scope)) {
    throw new ForbiddenError(`This token lacks the ${scope} scope`);
  }
  return principal;
}

/**
 * Every client-scoped field calls this first. Order matters: authentication,
 * then the id's form, then scope, then tenancy (a client token only reaches
 * its own client, and learns nothing about others, not even whether they
 * exist), and only then existence. Returns the client's canonical id.
 */
export function authorizeClient(
  db: Db,
  principal: Principal | null,
  rawClientId: string,
  scope: Scope,
  /** The argument as the client wrote it, for `extensions.field`. */
  field = 'clientId',
): { principal: Principal; clientId: string; clientName: string } {
  if (!principal) throw new UnauthenticatedError();
  const clientId = parseId(rawClientId, field);
  requireScope(principal, scope);
  if (principal.kind === 'client' && principal.clientId !== clientId) {
    throw new ForbiddenError('This token may not act on that client');
  }
  const client = findClient(db, clientId);
  if (!client) throw new NotFoundError('Client not found');
  return { principal, clientId: client.id, clientName: client.name };
}

/**
 * For fields nested under an already-authorized parent (App.history): the
 * same scope and tenancy rules, without another database round trip.
 */
export function requireClientScope(principal: Principal | null, clientId: string, scope: Scope): Principal {
  const checked = requireScope(principal, scope);
  if (checked.kind === 'client' && checked.clientId !== clientId) {
    throw new ForbiddenError('This token may not act on that client');
  }
  return checked;
}
