import { createHash, randomUUID } from 'node:crypto';
import { asc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open';
import { appVisibleSql, visibleAppRanges } from '../auth/app-visibility';
import {
  appsByName,
  appsByNameFromStates,
  appsByUpdatedAt,
  CLIENT_APP_COLUMNS,
  readOn,
  readOnScanner,
  SQLITE_APPS,
  type AppsDialect,
  type ClientAppRow,
  type ReadRows,
  type StatesIndex,
} from './client-app-pages';
import type { Writer } from '../db/writer';
import type { CatalogScanBudget } from './catalog-scan';
import { apps, type Resolution, type RiskLevel } from '../db/schema';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors';
import { validateName } from './clients';
import { findDirectory } from './directories';
import { parseCategory } from './fields';
import { hasLapsed } from './decision-rules';
import { parseId } from './ids';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';

/** One catalog app as one client sees it. */
export interface ClientApp {
  clientId: string;
  id: string;
  codeName: string;
  name: string;
  resolution: Resolution;
  /** When the current resolution was reached; null while never decided. */
  decidedAt: Date | null;
  ownerEmail: string | null;
  category: string | null;
  riskLevel: RiskLevel | null;
  /** 0 until the first change; bumped by every real change. */
  version: number;
  /** When this client's state last changed; null while never changed. */
  updatedAt: Date | null;
  /** The directory that owns a private app; null for a public app. */
  ownerDirectoryId: string | null;
  hiddenFromMarket: boolean;
  /** The scopes the app requests (catalog). */
  scopes: string[];
  /** The scopes this client's org-level approval covers; null while not approved. */
  approvedScopes: string[] | null;
  /** True when an org-level approval was lost to a scope change and not yet re-decided. */
  needsReapproval: boolean;
  /** When the org-level approval ends; null: it does not, or the app is not approved. */
  approvalExpiresAt: Date | null;
}

const CODE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;

/**
 * A code name from a display name: Latin letters lose their accents, anything
 * else becomes "-". A name with letters or digits that have no such spelling
 * (日本語, Кириллица, عربى) would collapse to nothing, or lose what tells it
 * apart: it gets a short hash of the whole name instead, so two such names
 * never share a code name.
 */
export function codeNameFrom(name: string): string {
  const latin = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const slug = latin
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 55)
    .replace(/-+$/, '');
  // Letters or digits outside ASCII, left after the accents went: the slug alone would lose them.
  const unspelled = latin.replace(/[\x00-\x7f]/g, '');
  if (!/[\p{L}\p{N}]/u.test(unspelled)) return slug || 'app';
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return slug ? `${slug}-${hash}` : `app-${hash}`;
}

export interface NewAppInput {
  name: string;
  codeName?: string;
  id?: string;
  scopes?: string[];
  ownerDirectoryId?: string;
  hiddenFromMarket?: boolean;
}

/** A new catalog app's row as both stores insert it, validated (BAD_USER_INPUT); existence is the store's check. */
export function validateNewApp(input: NewAppInput) {
  const name = validateName(input.name);
  const codeName = input.codeName ?? codeNameFrom(name);
  if (!CODE_NAME_PATTERN.test(codeName)) {
    throw new BadUserInputError(
      'code name must be 1 to 64 characters of a-z, 0-9, "-" or "_", starting and ending with a letter or digit',
      { field: 'codeName' },
    );
  }
  return {
    id: input.id === undefined ? randomUUID() : parseId(input.id, 'id'),
    codeName,
    name,
    scopes: input.scopes ?? [],
    ownerDirectoryId: input.ownerDirectoryId === undefined ? null : parseId(input.ownerDirectoryId, 'ownerDirectory'),
    hiddenFromMarket: input.hiddenFromMarket ?? false,
  };
}

/** The CONFLICT for an app that already holds the new app's id (named first) or code name. */
export function appClashError(clashId: string, app: { id: string; codeName: string }): ConflictError {
  return new ConflictError(
    clashId === app.id ? `An app with id ${app.id} already exists` : `The code name "${app.codeName}" is taken`,
    { field: clashId === app.id ? 'id' : 'codeName' },
  );
}

export function createApp(db: Db, input: NewAppInput): { id: string; codeName: string; name: string } {
  const app = validateNewApp(input);
  const { id, codeName, name, ownerDirectoryId } = app;
  return db.transaction(
    (tx) => {
      if (ownerDirectoryId !== null && !findDirectory(tx, ownerDirectoryId)) {
        throw new NotFoundError(`Directory not found: ${ownerDirectoryId}`);
      }
      const clash = tx
        .select({ id: apps.id, codeName: apps.codeName })
        .from(apps)
        .where(or(eq(apps.id, id), eq(apps.codeName, codeName)))
        .get();
      if (clash) throw appClashError(clash.id, app);
      tx.insert(apps).values({ ...app, createdAt: new Date() }).run();
      return { id, codeName, name };
    },
    { behavior: 'immediate' },
  );
}

/**
 * One app as the client sees it at `now` (ms): an approval whose end has passed reads as none (unresolved,
 * no scopes, no end), whether or not its expiry was written down yet.
 */
export function toClientApp(clientId: string, row: ClientAppRow, now: number = Date.now()): ClientApp {
  const ends = row.approval_expires_at === null || row.approval_expires_at === undefined ? null : Number(row.approval_expires_at);
  if (row.resolution === 'approved' && hasLapsed(ends, now)) {
    return { ...toClientApp(clientId, { ...row, approval_expires_at: null }, now), resolution: 'unresolved', approvedScopes: null };
  }
  return {
    clientId,
    id: row.id,
    codeName: row.code_name,
    name: row.name,
    resolution: row.resolution ?? 'unresolved',
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
    ownerEmail: row.owner_email,
    category: row.category,
    riskLevel: row.risk_level,
    version: row.version ?? 0,
    updatedAt: row.updated_at === null ? null : new Date(row.updated_at),
    ownerDirectoryId: row.owner_directory_id,
    hiddenFromMarket: row.hidden_from_market === 1,
    scopes: JSON.parse(row.app_scopes) as string[],
    approvedScopes: row.approved_scopes === null ? null : (JSON.parse(row.approved_scopes) as string[]),
    needsReapproval: row.needs_reapproval === 1,
    approvalExpiresAt: ends === null ? null : new Date(ends),
  };
}

export type AppOrderField = 'NAME' | 'UPDATED_AT';
export type OrderDirection = 'ASC' | 'DESC';

export interface ClientAppsQuery {
  clientId: string;
  /** The client's directory when its row was already read (null: a direct customer); absent: looked up in the statement. */
  directoryId?: string | null;
  first?: number | null;
  after?: string | null;
  approved?: boolean | null;
  /** Case-insensitive substring of the name or the code name. */
  search?: string | null;
  riskLevel?: RiskLevel | null;
  /** Exact category, case-insensitive. */
  category?: string | null;
  orderBy?: { field?: AppOrderField | null; direction?: OrderDirection | null } | null;
  /** Only approved apps whose approval ends before this instant (the "expiring soon" view); a state filter. */
  expiringBefore?: Date | null;
}

export type ClientAppsPage = Page<ClientApp & { cursor: string }> & { totalCount: () => Promise<number> };

export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Every catalog app this client may see (appVisibleSql) with this client's state for it, filtered and ordered,
 * keyset-paged on (order key, id) so pages never skip or repeat an app.
 * `totalCount` counts the filtered list only when asked.
 */
export function listClientApps(db: Db, input: ClientAppsQuery, scan?: CatalogScanBudget, scanner?: Writer): Promise<ClientAppsPage> {
  // A priced search runs on the scanner thread (when the server has one): its rows are the read that holds a
  // thread for long, and the thread serving everyone else's requests goes on meanwhile.
  return listClientAppsOn({ read: readOn(db), search: scanner ? readOnScanner(scanner) : readOn(db) }, SQLITE_APPS, input, scan);
}

/**
 * listClientApps on either store: `reads.read` runs its statements, `reads.search` the priced search's (the
 * scanner thread on SQLite), `d` spells what differs in their SQL. Rows arrive as SQLite gives them.
 */
export async function listClientAppsOn(
  reads: { read: ReadRows; search: ReadRows },
  d: AppsDialect,
  input: ClientAppsQuery,
  scan?: CatalogScanBudget,
): Promise<ClientAppsPage> {
  const size = pageSize(input.first);
  const field = input.orderBy?.field ?? 'NAME';
  const direction = input.orderBy?.direction ?? 'ASC';
  const cursorKind = `app:${field}:${direction}`;
  const search = input.search?.trim() ?? '';
  if (search.length > 200) throw new BadUserInputError('search must be at most 200 characters', { field: 'search' });
  const category = parseCategory(input.category ?? null, 'category', { clearable: false });
  // A cursor continues only the list it came from: this client, these filters.
  const expiringBefore = input.expiringBefore ?? null;
  // (expiringBefore joins the key only when given: cursors of lists without it stay valid.)
  const list = JSON.stringify([
    input.clientId,
    input.approved ?? null,
    search,
    input.riskLevel ?? null,
    category?.toLowerCase() ?? null,
    ...(expiringBefore ? [expiringBefore.getTime()] : []),
  ]);
  const after = decodeCursor(cursorKind, input.after, [field === 'NAME' ? 'string' : 'number', 'string'], 'after', list);

  // An approval whose end has passed is not approved, whether or not its expiry was written down yet.
  const now = Date.now();
  const stateFilters = [
    input.approved === true ? liveApprovalSql(now) : null,
    input.riskLevel ? sql`s.risk_level = ${input.riskLevel}` : null,
    category ? d.categoryIs(category) : null,
    expiringBefore ? sql`s.approval_expires_at < ${expiringBefore.getTime()} AND ${liveApprovalSql(now)}` : null,
  ].filter((f) => f !== null);
  const notApproved = input.approved === false ? sql`NOT coalesce(${liveApprovalSql(now)}, FALSE)` : null;
  const searchFilter = search ? d.searchMatches(likePattern(search)) : null;
  const filters = [...stateFilters, ...(notApproved ? [notApproved] : []), ...(searchFilter ? [searchFilter] : [])];
  const from = sql`FROM apps AS a LEFT JOIN client_app_states AS s ON s.client_id = ${input.clientId} AND s.app_id = a.id`;
  const where = (range: SQL, extra: SQL[]) => sql`WHERE ${sql.join([range, ...filters, ...extra], sql` AND `)}`;
  // Only the apps this client may see: the public range and its directory's, each a seek, merged in order.
  const ranges = visibleAppRanges(input.clientId, input.directoryId);
  // A state filter (approved: true, riskLevel, category) can only match this client's state rows: those are read
  // (client_app_states' key), never the catalog. A search reads the catalog until it has its page: it is priced at
  // every app the client may see, charged before it runs.
  const fromStates = stateFilters.length > 0;
  const priced = search !== '' && !fromStates;
  const priceSearch = async () => {
    scan?.charge(await visibleAppCountOn(reads.read, input.clientId, input.directoryId), 'search');
  };
  // No await before the first statement unless there is a price to read: on SQLite the statements then run
  // within this resolver's call, where the list field's time slice (schema/time-slice.ts) can see them.
  if (priced) await priceSearch();
  const read = search && !fromStates ? reads.search : reads.read;
  // The state rows' index: the expiring approvals by their end, else (by name) the approvals, else update order.
  const statesIndex: StatesIndex = expiringBefore
    ? 'client_app_states_expiry_idx'
    : field === 'NAME' && input.approved === true
      ? 'client_app_states_resolution_idx'
      : 'client_app_states_updated_idx';
  const statesWhere = (extra: SQL[]) => sql`WHERE ${sql.join([sql`s.client_id = ${input.clientId}`, appVisibleSql(input.clientId), ...filters, ...extra], sql` AND `)}`;
  const rows =
    field === 'NAME'
      ? fromStates
        ? await appsByNameFromStates(reads.read, { where: statesWhere, index: statesIndex, direction, after: after as [string, string] | null, size }, d)
        : await appsByName(read, { from, where, ranges, direction, after: after as [string, string] | null, size }, d)
      : await appsByUpdatedAt(read, {
          clientId: input.clientId, from, where, ranges, direction, after: after as [number, string] | null, size,
          // approved: true, riskLevel and category need a state row: never-changed apps cannot match.
          touchedOnly: fromStates,
          index: statesIndex,
        }, d);
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => withCursor(toClientApp(input.clientId, row), cursorKind, [row.sort_key, row.id], list)),
    hasNextPage: page.hasNextPage,
    totalCount: async () => {
      if (fromStates) return countOf(reads.read, sql`SELECT count(*) AS n ${d.statesFrom(statesIndex)} ${statesWhere([])}`);
      if (!search) {
        // Every app the client may see (two counter rows), less its approved ones when approved: false.
        const visible = await visibleAppCountOn(reads.read, input.clientId, input.directoryId);
        if (!notApproved) return visible;
        const approved = await countOf(reads.read, sql`
          SELECT count(*) AS n ${d.statesFrom('client_app_states_resolution_idx')}
          WHERE s.client_id = ${input.clientId} AND ${liveApprovalSql(now)} AND ${appVisibleSql(input.clientId)}`);
        return visible - approved;
      }
      // Counting a search reads the catalog again: priced again.
      if (priced) await priceSearch();
      return countOf(read, sql`SELECT ${sql.join(ranges.map((range) => sql`(SELECT count(*) ${from} ${where(range, [])})`), sql` + `)} AS n`);
    },
  };
}

/** The state row `s` is an approval that stands at `now` (ms): standard SQL, both stores; NULL without a row. */
export function liveApprovalSql(now: number): SQL {
  return sql`(s.resolution = 'approved' AND (s.approval_expires_at IS NULL OR s.approval_expires_at > ${now}))`;
}

/** The one row's `n` of a count (Postgres hands count(*) and sum() over as text). */
async function countOf(read: ReadRows, query: SQL): Promise<number> {
  const [row] = await read<{ n: number | string }>(query);
  return Number(row!.n);
}

/** How many catalog apps the client may see: the public range and its directory's, from app_range_counts. */
export function visibleAppCountOn(read: ReadRows, clientId: string, directoryId?: string | null): Promise<number> {
  const directory = directoryId === undefined ? sql`(SELECT vc.directory_id FROM clients AS vc WHERE vc.id = ${clientId})` : sql`${directoryId}`;
  // Two lookups by key, not `owner_key IN (…)`: with statistics SQLite scans the (small) table for that.
  return countOf(read, sql`SELECT coalesce((SELECT n FROM app_range_counts WHERE owner_key = ''), 0)
    + coalesce((SELECT n FROM app_range_counts WHERE owner_key = coalesce(${directory}, '') AND owner_key <> ''), 0) AS n`);
}

/** One app as this client sees it; NOT_FOUND when the catalog has no such app or the client may not see it (the same answer). */
export function getClientApp(db: Db, clientId: string, rawAppId: string, field = 'appId'): ClientApp {
  const appId = parseId(rawAppId, field);
  const row = db.get<ClientAppRow | undefined>(sql`
    SELECT ${CLIENT_APP_COLUMNS}
    FROM apps AS a LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
    WHERE a.id = ${appId} AND ${appVisibleSql(clientId)}`);
  if (!row) throw new NotFoundError('App not found');
  return toClientApp(clientId, row);
}

/**
 * Many (client, app) pairs in ONE statement, in key order; null where the catalog has no such app or that client may not see it.
 * CROSS JOIN keeps the keys the outer loop: with statistics SQLite otherwise scans the catalog.
 */
export function getClientApps(db: Db, keys: readonly { clientId: string; appId: string }[]): (ClientApp | null)[] {
  if (keys.length === 0) return [];
  const rows = db.all<ClientAppRow & { k: number }>(sql`
    SELECT k.key AS k, ${CLIENT_APP_COLUMNS}
    FROM json_each(${JSON.stringify(keys.map((k) => [k.clientId, k.appId]))}) AS k
    CROSS JOIN apps AS a ON a.id = k.value ->> 1 AND ${appVisibleSql(sql`k.value ->> 0`)}
    LEFT JOIN client_app_states AS s ON s.client_id = k.value ->> 0 AND s.app_id = a.id`);
  const byKey = new Map(rows.map((row) => [row.k, row]));
  return keys.map((key, i) => {
    const row = byKey.get(i);
    return row ? toClientApp(key.clientId, row) : null;
  });
}

export interface CatalogAppRow {
  id: string;
  codeName: string;
  name: string;
  scopes: string[];
  createdAt: Date;
}

/**
 * One page of the catalog, ordered by name (case-insensitive), then id, after
 * the row `after`: a keyset seek on apps_sort_name_idx, as Client.apps pages.
 */
export function listCatalogApps(db: Db, page: { after?: { name: string; id: string } | null; limit: number }): CatalogAppRow[] {
  const after = page.after;
  return db
    .select({ id: apps.id, codeName: apps.codeName, name: apps.name, scopes: apps.scopes, createdAt: apps.createdAt })
    .from(apps)
    // Spelled out, not as a row value `(lower(name), id) > (…)`: SQLite seeks the expression index only this way.
    .where(
      after
        ? sql`lower(${apps.name}) >= lower(${after.name}) AND (lower(${apps.name}) > lower(${after.name}) OR ${apps.id} > ${after.id})`
        : undefined,
    )
    .orderBy(sql`lower(${apps.name})`, asc(apps.id))
    .limit(page.limit)
    .all();
}
