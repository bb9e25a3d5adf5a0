import { BadUserInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';
import { parseId } from '../services/ids';
import type { Workspace } from '../services/workspaces';
import type { Store } from '../store/store';
import { directoryReachesClient } from './assignment-rules';
import type { Principal, Scope } from './principal';

/** What the access checks read: the client and the workspace a field names. */
export type AccessStore = Pick<Store, 'findClient' | 'findWorkspace'>;

/** The caller must be authenticated and hold `scope`. */
export function requireScope(principal: Principal | null, scope: Scope): Principal {
  if (!principal) throw new UnauthenticatedError();
  if (!principal.scopes.includes(scope)) {
    throw new ForbiddenError(`This token lacks the ${scope} scope`, {
      reason: 'MISSING_SCOPE',
      needed: scope,
      provided: [...principal.scopes],
    });
  }
  return principal;
}

/**
 * Every client-scoped field calls this first. Order matters: authentication,
 * then the id's form, then scope, then tenancy (a client token only reaches
 * its own client, a directory token only the businesses of its directory,
 * and neither learns anything about others, not even whether they exist),
 * and only then existence. Returns the client's canonical id.
 */
export async function authorizeClient(
  store: AccessStore,
  principal: Principal | null,
  rawClientId: string,
  scope: Scope,
  /** The argument as the client wrote it, for `extensions.field`. */
  field = 'clientId',
): Promise<{ principal: Principal; clientId: string; clientName: string; directoryId: string | null }> {
  if (!principal) throw new UnauthenticatedError();
  const clientId = parseId(rawClientId, field);
  requireScope(principal, scope);
  if (principal.kind === 'client' && principal.clientId !== clientId) {
    throw new ForbiddenError('This token may not act on that client', { reason: 'OTHER_CLIENT' });
  }
  const client = await store.findClient(clientId);
  if (principal.kind === 'directory') {
    if (!directoryReachesClient(principal, client)) throw new ForbiddenError('This token may not act on that client', { reason: 'OTHER_CLIENT' });
    principal.authorizedBusinessIds?.add(clientId);
  }
  if (!client) throw new NotFoundError('Client not found');
  return { principal, clientId: client.id, clientName: client.name, directoryId: client.directoryId };
}

/**
 * For fields nested under an already-authorized parent (App.history): the
 * same scope and tenancy rules, without another database round trip.
 */
export function requireClientScope(principal: Principal | null, clientId: string, scope: Scope): Principal {
  const checked = requireScope(principal, scope);
  if (checked.kind === 'client' && checked.clientId !== clientId) {
    throw new ForbiddenError('This token may not act on that client', { reason: 'OTHER_CLIENT' });
  }
  // A directory token's parent was authorized by authorizeClient earlier in this request.
  if (checked.kind === 'directory' && !checked.authorizedBusinessIds?.has(clientId)) {
    throw new ForbiddenError('This token may not act on that client', { reason: 'OTHER_CLIENT' });
  }
  return checked;
}

/**
 * Every workspace-scoped field calls this first: the same order as
 * authorizeClient. A client token asking for another client's workspace gets
 * NOT_FOUND, exactly as for an unknown id, so it learns nothing about others.
 */
export async function authorizeWorkspace(
  store: AccessStore,
  principal: Principal | null,
  rawWorkspaceId: string,
  scope: Scope,
): Promise<{ principal: Principal; workspace: Workspace }> {
  if (!principal) throw new UnauthenticatedError();
  const workspaceId = parseId(rawWorkspaceId, 'workspaceId');
  requireScope(principal, scope);
  const notFound = () => new NotFoundError('Workspace not found', { field: 'workspaceId' });
  const workspace = await store.findWorkspace(workspaceId);
  if (!workspace) throw notFound();
  await authorizeOwnedBy(store, principal, workspace.clientId, scope, notFound);
  return { principal, workspace };
}

/**
 * For something a client owns (a workspace, an install request): the
 * client's own tenancy rules (authorizeClient), except that a token that may
 * not act on the owner gets `notFound()`, exactly as for an unknown id.
 */
export async function authorizeOwnedBy(store: AccessStore, principal: Principal | null, ownerClientId: string, scope: Scope, notFound: () => Error): Promise<Principal> {
  try {
    return (await authorizeClient(store, principal, ownerClientId, scope)).principal;
  } catch (error) {
    const reason = error instanceof ForbiddenError ? error.details.reason : undefined;
    if (error instanceof ForbiddenError && reason !== 'MISSING_SCOPE' && reason !== 'TOKEN_KIND') throw notFound();
    throw error;
  }
}

/** Exactly one of a client (org level) and a workspace, authorized for `scope`. */
export async function authorizeTarget(
  store: AccessStore,
  principal: Principal | null,
  target: { clientId?: string | null; workspaceId?: string | null },
  scope: Scope,
): Promise<{ principal: Principal; clientId: string; workspaceId: string | null }> {
  if (!principal) throw new UnauthenticatedError();
  if (target.clientId != null && target.workspaceId != null) {
    throw new BadUserInputError('give only one of clientId and workspaceId, not both', { field: 'clientId', reason: 'TOO_MANY_TARGETS' });
  }
  if (target.clientId == null && target.workspaceId == null) {
    throw new BadUserInputError('give one of clientId and workspaceId', { field: 'clientId', reason: 'NO_TARGET' });
  }
  if (target.workspaceId != null) {
    const { workspace } = await authorizeWorkspace(store, principal, target.workspaceId, scope);
    return { principal, clientId: workspace.clientId, workspaceId: workspace.id };
  }
  const { clientId } = await authorizeClient(store, principal, target.clientId!, scope);
  return { principal, clientId, workspaceId: null };
}
