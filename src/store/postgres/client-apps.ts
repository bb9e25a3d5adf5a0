/**
 * Client.apps on Postgres: the same listing as SQLite's (services/apps.ts listClientAppsOn, the same
 * statements but for the spellings in PG_APPS), the same pages, counts, prices and cursors, and the
 * one-app and many-apps lookups. Rows are handed to the shared code as SQLite gives them (pgRows).
 */
import { sql } from 'drizzle-orm';
import { appVisibleSql } from '../../auth/app-visibility';
import type { PgDb } from '../../db/postgres';
import { NotFoundError } from '../../errors';
import { listClientAppsOn, toClientApp, visibleAppCountOn, type ClientApp, type ClientAppsPage, type ClientAppsQuery } from '../../services/apps';
import type { CatalogScanBudget } from '../../services/catalog-scan';
import { CLIENT_APP_COLUMNS, type AppsDialect, type ClientAppRow } from '../../services/client-app-pages';
import { parseId } from '../../services/ids';
import { pgRows, type PgRunner } from './rows';

/**
 * SQLite's orders and matches, spelled for Postgres: `lower(x COLLATE "C")` folds ASCII only and orders
 * by bytes, exactly as SQLite's lower() and default collation; NOCASE and LIKE are ASCII-case-insensitive,
 * so both sides are folded the same way.
 */
export const PG_APPS: AppsDialect = {
  nameKey: sql`lower(a.name COLLATE "C")`,
  boundEachRange: true,
  updatedKey: sql`s.updated_at::float8`,
  categoryIs: (category) => sql`lower(s.category COLLATE "C") = lower(${category} COLLATE "C")`,
  searchMatches: (pattern) =>
    sql`(lower(a.name COLLATE "C") LIKE lower(${pattern} COLLATE "C") ESCAPE '\\' OR lower(a.code_name COLLATE "C") LIKE lower(${pattern} COLLATE "C") ESCAPE '\\')`,
  statesFrom: () => sql`FROM client_app_states AS s JOIN apps AS a ON a.id = s.app_id`,
};

/** The listing; a search reads on the pool like any other statement (the event loop is free while it waits). */
export function listClientApps(db: PgDb, input: ClientAppsQuery, scan?: CatalogScanBudget): Promise<ClientAppsPage> {
  const read = pgRows(db);
  return listClientAppsOn({ read, search: read }, PG_APPS, input, scan);
}

export function visibleAppCount(db: PgDb, clientId: string, directoryId?: string | null): Promise<number> {
  return visibleAppCountOn(pgRows(db), clientId, directoryId);
}

/**
 * One app as this client sees it; NOT_FOUND when the catalog has no such app or the client may not see it.
 * On the pool, or in a write's transaction (read under the tenant's lock).
 */
export async function getClientApp(db: PgRunner, clientId: string, rawAppId: string, field = 'appId'): Promise<ClientApp> {
  const appId = parseId(rawAppId, field);
  const [row] = await pgRows(db)<ClientAppRow>(sql`
    SELECT ${CLIENT_APP_COLUMNS}
    FROM apps AS a LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
    WHERE a.id = ${appId} AND ${appVisibleSql(clientId)}`);
  if (!row) throw new NotFoundError('App not found');
  return toClientApp(clientId, row);
}

/** Many (client, app) pairs in ONE statement, in key order; null where missing or not visible. */
export async function getClientApps(db: PgDb, keys: readonly { clientId: string; appId: string }[]): Promise<(ClientApp | null)[]> {
  if (keys.length === 0) return [];
  const found = await pgRows(db)<ClientAppRow & { k: number }>(sql`
    SELECT k.ord - 1 AS k, ${CLIENT_APP_COLUMNS}
    FROM jsonb_array_elements(${JSON.stringify(keys.map((k) => [k.clientId, k.appId]))}::jsonb) WITH ORDINALITY AS k(value, ord)
    JOIN apps AS a ON a.id = k.value ->> 1 AND ${appVisibleSql(sql`k.value ->> 0`)}
    LEFT JOIN client_app_states AS s ON s.client_id = k.value ->> 0 AND s.app_id = a.id`);
  const byKey = new Map(found.map((row) => [Number(row.k), row]));
  return keys.map((key, i) => {
    const row = byKey.get(i);
    return row ? toClientApp(key.clientId, row) : null;
  });
}
