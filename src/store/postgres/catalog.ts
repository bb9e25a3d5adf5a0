/**
 * The Postgres store for the catalog itself (services/apps.ts createApp and listCatalogApps):
 * the same code-name rules, the same private-owner check, the same errors, the same keyset order
 * (lower(name COLLATE "C"), id: SQLite's lower() and byte order). The app_range_counts triggers
 * (drizzle-postgres/0003) count the new app in its visibility range in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { BadUserInputError, ConflictError, NotFoundError } from '../../errors';
import { CODE_NAME_PATTERN, codeNameFrom, type CatalogAppRow } from '../../services/apps';
import { validateName } from '../../services/clients';
import { parseId } from '../../services/ids';
import { inTransaction, type PgTx } from './transaction';

async function rows<T>(db: PgDb | PgTx, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

export async function createApp(
  db: PgDb,
  input: { name: string; codeName?: string; id?: string; scopes?: string[]; ownerDirectoryId?: string; hiddenFromMarket?: boolean },
): Promise<{ id: string; codeName: string; name: string }> {
  const name = validateName(input.name);
  const codeName = input.codeName ?? codeNameFrom(name);
  if (!CODE_NAME_PATTERN.test(codeName)) {
    throw new BadUserInputError(
      'code name must be 1 to 64 characters of a-z, 0-9, "-" or "_", starting and ending with a letter or digit',
      { field: 'codeName' },
    );
  }
  const id = input.id === undefined ? randomUUID() : parseId(input.id, 'id');
  const ownerDirectoryId = input.ownerDirectoryId === undefined ? null : parseId(input.ownerDirectoryId, 'ownerDirectory');
  return inTransaction(db, async (tx) => {
    if (ownerDirectoryId !== null && (await rows(tx, sql`SELECT 1 FROM directories WHERE id = ${ownerDirectoryId} FOR KEY SHARE`)).length === 0) {
      throw new NotFoundError(`Directory not found: ${ownerDirectoryId}`);
    }
    const clash = async () => {
      // The id clash is named first when both exist (as SQLite reads the id index first).
      const [found] = await rows<{ id: string }>(tx, sql`
        SELECT id FROM apps WHERE id = ${id} OR code_name = ${codeName} ORDER BY (id = ${id}) DESC LIMIT 1`);
      return found
        ? new ConflictError(found.id === id ? `An app with id ${id} already exists` : `The code name "${codeName}" is taken`, {
            field: found.id === id ? 'id' : 'codeName',
          })
        : null;
    };
    const before = await clash();
    if (before) throw before;
    const inserted = await rows(tx, sql`
      INSERT INTO apps (id, code_name, name, scopes, owner_directory_id, hidden_from_market, created_at)
      VALUES (${id}, ${codeName}, ${name}, ${JSON.stringify(input.scopes ?? [])}::jsonb, ${ownerDirectoryId}, ${input.hiddenFromMarket ?? false}, ${Date.now()}::bigint)
      ON CONFLICT DO NOTHING RETURNING id`);
    if (inserted.length === 0) {
      // Another writer took the id or the code name since the check: the same CONFLICT it would have got.
      throw (await clash()) ?? new ConflictError(`The code name "${codeName}" is taken`, { field: 'codeName' });
    }
    return { id, codeName, name };
  });
}

/**
 * One page of the catalog, ordered by name (case-insensitive), then id, after the row `after`:
 * a keyset seek on apps_sort_name_idx.
 */
export async function listCatalogApps(db: PgDb, page: { after?: { name: string; id: string } | null; limit: number }): Promise<CatalogAppRow[]> {
  const after = page.after;
  const found = await rows<{ id: string; code_name: string; name: string; scopes: string[]; created_at: number | string }>(db, sql`
    SELECT id, code_name, name, scopes, created_at FROM apps
    ${after ? sql`WHERE (lower(name COLLATE "C"), id) > (lower(${after.name}::text COLLATE "C"), ${after.id}::text)` : sql``}
    ORDER BY lower(name COLLATE "C"), id
    LIMIT ${page.limit}`);
  return found.map((r) => ({ id: r.id, codeName: r.code_name, name: r.name, scopes: r.scopes, createdAt: new Date(Number(r.created_at)) }));
}
