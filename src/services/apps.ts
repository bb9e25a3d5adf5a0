import { randomUUID } from 'node:crypto';
import { eq, or, sql } from 'drizzle-orm';
import type { Db } from '../db/open';
import { apps, type Resolution } from '../db/schema';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors';
import { validateName } from './clients';
import { parseId } from './ids';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from './pagination';

/** One catalog app as one client sees it. */
export interface ClientApp {
  clientId: string;
  id: string;
  codeName: string;
  name: string;
  resolution: Resolution;
  /** When the current resolution was reached; null while never decided. */
  decidedAt: Date | null;
  cursor: string;
}

const CODE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/;

export function codeNameFrom(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || 'app';
}

export function createApp(
  db: Db,
  input: { name: string; codeName?: string; id?: string; scopes?: string[] },
): { id: string; codeName: string; name: string } {
  const name = validateName(input.name);
  const codeName = input.codeName ?? codeNameFrom(name);
  if (!CODE_NAME_PATTERN.test(codeName)) {
    throw new BadUserInputError(
      'code name must be 1 to 64 characters of a-z, 0-9, "-" or "_", starting and ending with a letter or digit',
      { field: 'codeName' },
    );
  }
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  return db.transaction(
    (tx) => {
      const clash = tx
        .select({ id: apps.id, codeName: apps.codeName })
        .from(apps)
        .where(or(eq(apps.id, id), eq(apps.codeName, codeName)))
        .get();
      if (clash) {
        throw new ConflictError(
          clash.id === id ? `An app with id ${id} already exists` : `The code name "${codeName}" is taken`,
        );
      }
      tx.insert(apps)
        .values({ id, codeName, name, scopes: input.scopes ?? [], createdAt: new Date() })
        .run();
      return { id, codeName, name };
    },
    { behavior: 'immediate' },
  );
}

interface ClientAppRow {
  id: string;
  code_name: string;
  name: string;
  sort_name: string;
  resolution: Resolution | null;
  decided_at: number | null;
}

const APP_CURSOR = 'app';

function toClientApp(clientId: string, row: ClientAppRow): ClientApp {
  return {
    clientId,
    id: row.id,
    codeName: row.code_name,
    name: row.name,
    resolution: row.resolution ?? 'unresolved',
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at),
    cursor: encodeCursor(APP_CURSOR, [row.sort_name, row.id]),
  };
}

/**
 * Every catalog app with this client's state for it, ordered by name
 * (case-insensitive) then id. `approved` filters on `resolution = 'approved'`.
 */
export function listClientApps(
  db: Db,
  input: { clientId: string; first?: number | null; after?: string | null; approved?: boolean | null },
): Page<ClientApp> {
  const size = pageSize(input.first);
  const after = decodeCursor(APP_CURSOR, input.after, ['string', 'string']);
  const approvedFilter =
    input.approved === true
      ? sql`AND s.resolution = 'approved'`
      : input.approved === false
        ? sql`AND (s.resolution IS NULL OR s.resolution <> 'approved')`
        : sql``;
  const afterFilter = after ? sql`AND (lower(a.name), a.id) > (${after[0]}, ${after[1]})` : sql``;
  const rows = db.all<ClientAppRow>(sql`
    SELECT a.id, a.code_name, a.name, lower(a.name) AS sort_name, s.resolution, s.decided_at
    FROM apps a
    LEFT JOIN client_app_states s ON s.client_id = ${input.clientId} AND s.app_id = a.id
    WHERE 1 = 1 ${approvedFilter} ${afterFilter}
    ORDER BY lower(a.name), a.id
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return { items: page.items.map((row) => toClientApp(input.clientId, row)), hasNextPage: page.hasNextPage };
}

/** One app as this client sees it; NOT_FOUND when the catalog has no such app. */
export function getClientApp(db: Db, clientId: string, rawAppId: string): ClientApp {
  const appId = parseId(rawAppId, 'appId');
  const row = db.get<ClientAppRow | undefined>(sql`
    SELECT a.id, a.code_name, a.name, lower(a.name) AS sort_name, s.resolution, s.decided_at
    FROM apps a
    LEFT JOIN client_app_states s ON s.client_id = ${clientId} AND s.app_id = a.id
    WHERE a.id = ${appId}`);
  if (!row) throw new NotFoundError('App not found');
  return toClientApp(clientId, row);
}
