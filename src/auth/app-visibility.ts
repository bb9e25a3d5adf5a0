/**
 * Which apps a client may see and act on, in ONE place: public apps (no
 * owner) and the private apps its own directory owns (a business's
 * directory; a direct customer has none). To every other client a private
 * app is exactly as if it did not exist: every client-scoped lookup applies
 * this rule, so listings omit it and lookups answer as for an unknown id.
 * Assignments have their own rules (`assignment-rules.ts`).
 */
import { sql, type SQL } from 'drizzle-orm';

/** The rule over rows: may a client (of this directory, or none) see this app? */
export function appVisibleToClient(app: { ownerDirectoryId: string | null }, client: { directoryId: string | null }): boolean {
  return app.ownerDirectoryId === null || app.ownerDirectoryId === client.directoryId;
}

/** The directory of the client `clientId` names (NULL for a direct customer or an unknown client). */
function clientDirectory(clientId: SQL | string): SQL {
  return sql`(SELECT vc.directory_id FROM clients AS vc WHERE vc.id = ${clientId})`;
}

/**
 * The rule as two disjoint ranges of the apps table aliased `a`: the public
 * apps and the client's own directory's. Listings read each as a bounded
 * seek on `apps_owner_name_idx` (or `apps_owner_id_idx`) and merge them, so
 * their cost does not grow with other directories' private apps. `clientId` is a value or an SQL
 * expression (a json_each column for many clients at once). A caller that has
 * already read the client's row passes its `directoryId`: a direct customer
 * (null) then reads the public range alone, and a business's directory is
 * bound as a value instead of looked up again.
 */
export function visibleAppRanges(clientId: SQL | string): [publicApps: SQL, ownApps: SQL];
export function visibleAppRanges(clientId: SQL | string, directoryId: string | null | undefined): SQL[];
export function visibleAppRanges(clientId: SQL | string, directoryId?: string | null): SQL[] {
  const publicApps = sql`a.owner_directory_id IS NULL`;
  if (directoryId === null) return [publicApps];
  return [publicApps, sql`a.owner_directory_id = ${directoryId ?? clientDirectory(clientId)}`];
}

/** The rule as one predicate on the apps table aliased `a`, for lookups by id. */
export function appVisibleSql(clientId: SQL | string): SQL {
  const [publicApps, ownApps] = visibleAppRanges(clientId);
  return sql`(${publicApps} OR ${ownApps})`;
}
