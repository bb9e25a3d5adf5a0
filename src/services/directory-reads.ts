import { decideAssigneeRead } from '../auth/assignment-rules';
import { requireScope } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import { UnauthenticatedError } from '../errors';
import { enforce, readAssignee } from './assignments';
import { findDirectory, type Directory } from './directories';
import { parseId } from './ids';

/**
 * One directory, for `directory(id)`: apps:read, then the read rule
 * (internal: any; a directory token: its own, and another one answers
 * FORBIDDEN whether or not it exists; client tokens: none).
 */
export function readDirectory(db: Db, principal: Principal | null, rawId: string): Directory {
  if (!principal) throw new UnauthenticatedError();
  const id = parseId(rawId, 'id');
  requireScope(principal, 'apps:read');
  enforce(decideAssigneeRead(principal, readAssignee(db, { type: 'directory', id })));
  return findDirectory(db, id)!;
}
