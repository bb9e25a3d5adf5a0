/**
 * Install requests on Postgres, as services/install-requests.ts on SQLite: the reads (one by id, a
 * client's or a workspace's by status, newest first, with SQLite's cursors) and the writes (create,
 * cancel), with the same validation, rules, rows and events (the shared pure functions). Resolving a
 * request by its id is a decision (store/postgres/app-decisions.ts decideApp).
 *
 * Each write is one transaction that locks the tenant's row first (lockClient); the request is then
 * read and the history claimed under that lock, so a cancel and a decision of the same request, or
 * two cancels, run one after the other and the second sees the first's commit.
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import type { InstallRequestStatus } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { parseReason } from '../../services/fields';
import { parseId } from '../../services/ids';
import {
  cancelledRequest,
  inScope,
  newInstallRequest,
  parseInstallRequest,
  requestableAppSql,
  requestedScopes,
  requirePending,
  toRequest,
  type CreateInstallRequestInput,
  type InstallRequest,
  type InstallRequestPage,
  type RequestableApp,
  type RequestRow,
} from '../../services/install-requests';
import type { Principal } from '../../auth/principal';
import { decodeCursor, pageSize, toPage, withCursor } from '../../services/pagination';
import { lockClient } from './decisions';
import { claimHistoryPg, insertHistoryEventsPg } from './history';
import { pgRows, sqliteShaped } from './rows';
import { DEFAULT_BOUNDS, inTransaction, type PgTx, type TransactionBounds } from './transaction';

/**
 * lockClient, but an unknown client is not refused here: the statements that follow then refuse the
 * call exactly as SQLite's do (an unknown request or app first, else "Client not found" from the
 * history claim). There is no row to lock, and nothing to write for it.
 */
export async function lockTenant(tx: PgTx, clientId: string): Promise<{ directoryId: string | null } | null> {
  try {
    return await lockClient(tx, clientId);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** A statement's rows in a transaction, SQLite-shaped (as pgRows on the pool). */
export async function txRows<T>(tx: PgTx, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await tx.execute(query)).rows.map((row) => sqliteShaped(row as Record<string, unknown>)) as T[];
}

/** One request by id inside a transaction, or null. */
export async function findInstallRequestTx(tx: PgTx, id: string): Promise<InstallRequest | null> {
  const [row] = await txRows<RequestRow>(tx, sql`SELECT * FROM install_requests WHERE id = ${id}`);
  return row ? toRequest(row) : null;
}

/** requestInScope on Postgres: the id parsed by the caller (before the transaction), the row read under the tenant's lock. */
export async function requestInScopeTx(tx: PgTx, id: string, clientId: string, workspaceId: string | null): Promise<InstallRequest> {
  return inScope(await findInstallRequestTx(tx, id), clientId, workspaceId);
}

/**
 * A pending request and its INSTALL_REQUEST_CREATED event in one transaction; NOT_FOUND for an app the
 * client may not see, APP_RESTRICTED_ORG_WIDE, INVALID_SCOPES, bad text: nothing written.
 */
export async function createInstallRequest(db: PgDb, input: CreateInstallRequestInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<InstallRequest> {
  const parsed = parseInstallRequest(input);
  return inTransaction(
    db,
    async (tx) => {
      await lockTenant(tx, input.clientId);
      const [app] = await txRows<RequestableApp>(tx, requestableAppSql(input.clientId, parsed.appId));
      const scopes = requestedScopes(app, input.scopes);
      // Under the tenant's lock: the claim's time (never before the client's previous event) stamps the request.
      const claim = await claimHistoryPg(tx, input.clientId, input.now ?? new Date(), 1);
      const { request, event } = newInstallRequest(input, parsed, scopes, claim.at);
      await tx.execute(sql`
        INSERT INTO install_requests (id, client_id, workspace_id, app_id, scopes, message, requester, status, created_at)
        VALUES (${request.id}, ${request.clientId}, ${request.workspaceId}, ${request.appId}, ${JSON.stringify(scopes)}::jsonb, ${request.message},
                ${request.requester}, 'pending', ${request.createdAt.getTime()}::bigint)`);
      await insertHistoryEventsPg(tx, input.clientId, input.actor, claim, [event]);
      return request;
    },
    bounds,
  );
}

/** A pending request becomes cancelled for good (INSTALL_REQUEST_CANCELLED); anything else is REQUEST_ALREADY_RESOLVED. */
export async function cancelInstallRequest(
  db: PgDb,
  input: { clientId: string; workspaceId: string | null; requestId: string; reason?: string | null; actor: Principal; now?: Date },
  bounds: TransactionBounds = DEFAULT_BOUNDS,
): Promise<InstallRequest> {
  const reason = parseReason(input.reason);
  const id = parseId(input.requestId, 'requestId');
  return inTransaction(
    db,
    async (tx) => {
      await lockTenant(tx, input.clientId);
      const request = await requestInScopeTx(tx, id, input.clientId, input.workspaceId);
      requirePending(request);
      const claim = await claimHistoryPg(tx, input.clientId, input.now ?? new Date(), 1);
      const { request: cancelled, event } = cancelledRequest(request, reason, input.actor, claim.at);
      await tx.execute(sql`
        UPDATE install_requests SET status = 'cancelled', resolved_at = ${claim.at.getTime()}::bigint, resolved_by = ${input.actor.name}
        WHERE id = ${request.id}`);
      await insertHistoryEventsPg(tx, input.clientId, input.actor, claim, [event]);
      return cancelled;
    },
    bounds,
  );
}

export async function findInstallRequest(db: PgDb, id: string): Promise<InstallRequest | null> {
  const [row] = await pgRows(db)<RequestRow>(sql`SELECT * FROM install_requests WHERE id = ${id}`);
  return row ? toRequest(row) : null;
}

export async function listInstallRequests(
  db: PgDb,
  input: { clientId: string; workspaceId: string | null; status: InstallRequestStatus; first?: number | null; after?: string | null },
): Promise<InstallRequestPage> {
  const size = pageSize(input.first);
  const list = JSON.stringify([input.clientId, input.workspaceId, input.status]);
  const after = decodeCursor('req', input.after, ['number', 'string'], 'after', list);
  const owner = input.workspaceId === null ? sql`r.client_id = ${input.clientId}` : sql`r.workspace_id = ${input.workspaceId}`;
  const rows = await pgRows(db)<RequestRow>(sql`
    SELECT r.* FROM install_requests AS r
    WHERE ${owner} AND r.status = ${input.status}
      ${after ? sql`AND (r.created_at, r.id) < (${after[0]}::bigint, ${after[1]})` : sql``}
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => withCursor(toRequest(row), 'req', [row.created_at, row.id], list)),
    hasNextPage: page.hasNextPage,
  };
}
