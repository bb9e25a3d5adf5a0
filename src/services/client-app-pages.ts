/**
 * The page reads behind Client.apps (listClientApps): each order a keyset seek
 * from the cursor over only the apps the client may see, so a page's cost does
 * not grow with the rows before it or with other tenants' rows.
 */
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { appVisibleSql } from '../auth/app-visibility';
import type { Db } from '../db/open';
import type { Writer } from '../db/writer';
import type { Resolution, RiskLevel } from '../db/schema';
import type { OrderDirection } from './apps';

export interface ClientAppRow {
  id: string;
  code_name: string;
  name: string;
  resolution: Resolution | null;
  decided_at: number | null;
  owner_email: string | null;
  category: string | null;
  risk_level: RiskLevel | null;
  version: number | null;
  updated_at: number | null;
  owner_directory_id: string | null;
  hidden_from_market: 0 | 1;
  app_scopes: string;
  approved_scopes: string | null;
  needs_reapproval: 0 | 1 | null;
  approval_expires_at: number | null;
}

/** The columns every ClientApp read selects: `a` is apps, `s` the client's state row (or NULLs). */
export const CLIENT_APP_COLUMNS = sql`a.id, a.code_name, a.name, s.resolution, s.decided_at, s.owner_email, s.category,
  s.risk_level, s.version, s.updated_at, a.owner_directory_id, a.hidden_from_market, a.scopes AS app_scopes, s.approved_scopes, s.needs_reapproval, s.approval_expires_at`;

export type SortedRow = ClientAppRow & { sort_key: string | number };

/** Where a page's statements run: this thread's connection, or (a priced search) the scanner thread's. */
export type ReadRows = <T>(query: SQL) => Promise<T[]>;

/** On `db`, on this thread. */
export function readOn(db: Db): ReadRows {
  return async <T>(query: SQL) => db.all<T>(query);
}

const dialect = new SQLiteSyncDialect();

/** Compiled here, run by the scanner (src/db/writer.ts startScanner): the same text and parameters `db.all` would run. */
export function readOnScanner(scanner: Writer): ReadRows {
  return async <T>(query: SQL) => {
    const compiled = dialect.sqlToQuery(query);
    return (await scanner.run('scanRows', { sql: compiled.sql, params: compiled.params })) as T[];
  };
}

/**
 * What differs between the two stores' SQL for these reads (the rest is standard SQL both run):
 * the name order's key, SQLite's `lower(name)` (ASCII only), which Postgres orders alike as
 * `lower(name COLLATE "C")`; the UPDATED_AT key as a number in the row (Postgres hands int8 over
 * as text); the category match; the search match (SQLite's LIKE is ASCII-case-insensitive);
 * whether each visible range of the name order is its own ordered, limited seek (Postgres: it does
 * not merge a top-level UNION ALL's index scans in order, and without the cut reads and sorts every
 * visible app; SQLite merges them itself and allows no ORDER BY in a compound's arm); how a read of the
 * client's state rows names its index (SQLite pins it, so ANALYZE's statistics cannot change the plan).
 */
export interface AppsDialect {
  nameKey: SQL;
  boundEachRange: boolean;
  updatedKey: SQL;
  categoryIs(category: string): SQL;
  searchMatches(pattern: string): SQL;
  /** `FROM` the client's state rows `s` on `index`, each joined to its app `a`. */
  statesFrom(index: StatesIndex): SQL;
}

/** The client_app_states index a read of one client's state rows seeks. */
export type StatesIndex = 'client_app_states_resolution_idx' | 'client_app_states_updated_idx' | 'client_app_states_expiry_idx';

export const SQLITE_APPS: AppsDialect = {
  nameKey: sql`lower(a.name)`,
  boundEachRange: false,
  updatedKey: sql`s.updated_at`,
  categoryIs: (category) => sql`s.category = ${category} COLLATE NOCASE`,
  searchMatches: (pattern) => sql`(a.name LIKE ${pattern} ESCAPE '\\' OR a.code_name LIKE ${pattern} ESCAPE '\\')`,
  // With statistics on a one-tenant database SQLite scans every state row instead (test/query-plans-statistics.test.ts).
  statesFrom: (index) => sql`FROM client_app_states AS s INDEXED BY ${sql.raw(index)} CROSS JOIN apps AS a ON a.id = s.app_id`,
};

/** One page as listClientApps asks for it: apps LEFT JOIN this client's state, the filters' WHERE, the visible ranges, the cursor. */
export interface PageRead<Key> {
  from: SQL;
  where: (range: SQL, extra: SQL[]) => SQL;
  ranges: SQL[];
  direction: OrderDirection;
  after: Key | null;
  size: number;
}

/** `k past x`, or `k at x and id past y`: spelled out rather than as a row value `(k, id) > (x, y)`, because
 * SQLite seeks an index only on the first column's bound of a row value, walking every row before the page. */
function keysetAfter(key: SQL, id: SQL, direction: OrderDirection, after: readonly [string | number, string]): SQL {
  const [past, pastOrAt] = direction === 'ASC' ? [sql.raw('>'), sql.raw('>=')] : [sql.raw('<'), sql.raw('<=')];
  return sql`${key} ${pastOrAt} ${after[0]} AND (${key} ${past} ${after[0]} OR ${id} ${past} ${after[1]})`;
}

/** NAME: each visible range a seek on apps_owner_name_idx from the cursor (on Postgres each cut to the page), merged in (name key, id) order. */
export function appsByName(read: ReadRows, q: PageRead<[string, string]>, d: AppsDialect = SQLITE_APPS): Promise<SortedRow[]> {
  const key = d.nameKey;
  const dir = sql.raw(q.direction);
  const keyset = q.after ? [keysetAfter(key, sql`a.id`, q.direction, q.after)] : [];
  const legs = q.ranges.map((range) => sql`SELECT ${CLIENT_APP_COLUMNS}, ${key} AS sort_key ${q.from} ${q.where(range, keyset)}`);
  // The owner leads the order (one value per range) so the seek is on the index's own order, the range its bound.
  const cut = (leg: SQL) => sql`${leg} ORDER BY a.owner_directory_id ${dir}, ${key} ${dir}, a.id ${dir} LIMIT ${q.size + 1}`;
  // One range (a direct customer's) is the page itself; Postgres takes no ORDER BY in a lone parenthesised arm.
  if (d.boundEachRange && legs.length === 1) return read<SortedRow>(cut(legs[0]!));
  return read<SortedRow>(sql`
    ${sql.join(d.boundEachRange ? legs.map((leg) => sql`(${cut(leg)})`) : legs, sql` UNION ALL `)}
    ORDER BY sort_key ${dir}, id ${dir}
    LIMIT ${q.size + 1}`);
}

/**
 * NAME with a filter on this client's state (approved: true, riskLevel, category): only the client's state rows
 * can match, so they are what is read (client_app_states' key, this client's rows), joined to their apps and
 * ordered by name; the catalog is never walked.
 */
export function appsByNameFromStates(
  read: ReadRows,
  q: Pick<PageRead<[string, string]>, 'direction' | 'after' | 'size'> & { where: (extra: SQL[]) => SQL; index: StatesIndex },
  d: AppsDialect = SQLITE_APPS,
): Promise<SortedRow[]> {
  const key = d.nameKey;
  const dir = sql.raw(q.direction);
  return read<SortedRow>(sql`
    SELECT ${CLIENT_APP_COLUMNS}, ${key} AS sort_key
    ${d.statesFrom(q.index)}
    ${q.where(q.after ? [keysetAfter(key, sql`a.id`, q.direction, q.after)] : [])}
    ORDER BY sort_key ${dir}, a.id ${dir}
    LIMIT ${q.size + 1}`);
}

/**
 * UPDATED_AT, ordered by (coalesce(updated_at, 0), id): never-changed apps sort as the oldest (0). Two parts,
 * each a seek from the cursor with its own LIMIT, merged here: the changed apps in client_app_states_updated_idx
 * order (client_id, updated_at, app_id), and the never-changed ones (no state row, key 0) of each visible range
 * in apps_owner_id_idx order. Neither reads the rows before the page nor other clients' state rows.
 */
export async function appsByUpdatedAt(
  read: ReadRows,
  q: PageRead<[number, string]> & { clientId: string; touchedOnly: boolean; index: StatesIndex },
  d: AppsDialect = SQLITE_APPS,
): Promise<SortedRow[]> {
  const dir = sql.raw(q.direction);
  const limit = q.size + 1;
  const changed = await read<SortedRow>(sql`
    SELECT ${CLIENT_APP_COLUMNS}, ${d.updatedKey} AS sort_key
    ${d.statesFrom(q.index)}
    ${q.where(sql`s.client_id = ${q.clientId} AND ${appVisibleSql(q.clientId)}`, q.after ? [keysetAfter(sql`s.updated_at`, sql`s.app_id`, q.direction, q.after)] : [])}
    ORDER BY s.updated_at ${dir}, s.app_id ${dir}
    LIMIT ${limit}`);
  const [past, before] = q.direction === 'ASC' ? [sql.raw('>'), (k: number) => k < 0] : [sql.raw('<'), (k: number) => k > 0];
  // The never-changed apps (key 0): all of them when the cursor is before 0, those past its id when at 0, none after.
  const skipUnchanged =
    q.touchedOnly ||
    (q.after !== null && q.after[0] !== 0 && !before(q.after[0])) ||
    (q.direction === 'DESC' && changed.length === limit && Number(changed[limit - 1]!.sort_key) > 0);
  if (skipUnchanged) return changed;
  const idBound = q.after !== null && q.after[0] === 0 ? [sql`a.id ${past} ${q.after[1]}`] : [];
  const unchanged = await read<SortedRow>(sql`
    ${sql.join(
      q.ranges.map((range) => sql`SELECT ${CLIENT_APP_COLUMNS}, 0 AS sort_key ${q.from} ${q.where(range, [sql`s.app_id IS NULL`, ...idBound])}`),
      sql` UNION ALL `,
    )}
    ORDER BY id ${dir}
    LIMIT ${limit}`);
  const sign = q.direction === 'ASC' ? 1 : -1;
  return [...changed, ...unchanged]
    .sort((x, y) => sign * (Number(x.sort_key) - Number(y.sort_key) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)))
    .slice(0, limit);
}

