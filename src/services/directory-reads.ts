import { decideAssigneeRead } from '../auth/assignment-rules';
import { requireScope } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import { UnauthenticatedError } from '../errors';
import { enforce, readAssignee } from './assignments';
import { findDirectory, type Directory } from './directories';
import { parseId } from './ids';

/** What readDirectory checks before any read (both stores): authentication, the id, apps:read. The reader and the id. */
export function parseDirectoryRead(principal: Principal | null, rawId: string): { reader: Principal; id: string } {
  if (!principal) throw new UnauthenticatedError();
  const id = parseId(rawId, 'id');
  return { reader: requireScope(principal, 'apps:read'), id };
}

/**
 * One directory, for `directory(id)`: apps:read, then the read rule
 * (internal: any; a directory token: its own, and another one answers
 * FORBIDDEN whether or not it exists; client tokens: none).
 */
export function readDirectory(db: Db, principal: Principal | null, rawId: string): Directory {
  const { reader, id } = parseDirectoryRead(principal, rawId);
  enforce(decideAssigneeRead(reader, readAssignee(db, { type: 'directory', id })));
  return findDirectory(db, id)!;
}
