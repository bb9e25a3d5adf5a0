/**
 * The single-app edit on Postgres, as services/app-details.ts on SQLite: updateApp (owner email,
 * category, risk level, approval, with the optimistic `expectedVersion`) and addAppHistoryNote. The
 * same validation, plan and next state (validatePatch, planAppUpdate, appAfterUpdate: the shared pure
 * pieces), the same events, errors and rows.
 *
 * One transaction each: the tenant's row is locked first, then the app's state is read and the
 * history claimed under that lock, so two edits of one app run one after the other: the second reads
 * the first's commit, and a stale `expectedVersion` is CONFLICT on both stores (never two winners).
 */
import { sql } from 'drizzle-orm';
import type { Principal } from '../../auth/principal';
import type { PgDb } from '../../db/postgres';
import { appAfterUpdate, appStateUpsertSql, planAppUpdate, validatePatch, type UpdateAppPatch } from '../../services/app-details';
import type { ClientApp } from '../../services/apps';
import { parseNote } from '../../services/fields';
import { historyListOf, NO_FILTER, toEvent, type HistoryEvent, type NewHistoryEvent } from '../../services/history';
import type { HistoryRow } from '../../services/history-seek';
import { newEventId, parseId } from '../../services/ids';
import { getClientApp } from './client-apps';
import { claimHistoryPg, insertHistoryEventsPg } from './history';
import { lockTenant, txRows } from './install-requests';
import { DEFAULT_BOUNDS, inTransaction, type TransactionBounds } from './transaction';

/**
 * Refuses a stale `expectedVersion` (CONFLICT), then writes the new state and at most two events (an
 * APPROVAL_STATUS_CHANGED for an approval change, one APP_UPDATED listing every other changed field);
 * a patch that changes nothing writes nothing. NOT_FOUND for an app the client may not see.
 */
export async function updateApp(
  db: PgDb,
  input: { clientId: string; appId: string; patch: UpdateAppPatch; actor: Principal; now?: Date },
  bounds: TransactionBounds = DEFAULT_BOUNDS,
): Promise<ClientApp> {
  const appId = parseId(input.appId, 'appId');
  const patch = validatePatch(input.patch, input.now);
  const { clientId, actor } = input;
  return inTransaction(
    db,
    async (tx) => {
      // An unknown client locks nothing: the app read refuses it, or the claim does ("Client not found"), as on SQLite.
      await lockTenant(tx, clientId);
      // An approval takes the app's scopes: the app row is held (as decidePg holds it, client first, then app) so a
      // catalog scope change (app-catalog.ts) cannot commit between this read and the write, leaving a stale approval.
      if (patch.isApproved === true) await tx.execute(sql`SELECT 1 FROM apps WHERE id = ${appId} FOR SHARE`);
      const current = await getClientApp(tx, clientId, appId);
      const update = planAppUpdate(current, appId, patch);
      if (update.events.length === 0) return current;
      // Under the tenant's lock: the claim's time (never before the client's previous event) stamps the change.
      const claim = await claimHistoryPg(tx, clientId, input.now ?? new Date(), update.events.length, update.approvalExpiresAt?.getTime() ?? null);
      const { next, decided } = appAfterUpdate(current, update, claim.at);
      await tx.execute(appStateUpsertSql({ clientId, appId, actorId: actor.tokenId, current, next, decided, at: claim.at }));
      await insertHistoryEventsPg(tx, clientId, actor, claim, update.events);
      return next;
    },
    bounds,
  );
}

/**
 * Free text on an app's history (NOTE_ADDED): never mixed into approval events, never changes the
 * app's state or version. The event as stored, with its cursor.
 */
export async function addAppHistoryNote(
  db: PgDb,
  input: { clientId: string; appId: string; note: string; actor: Principal; now?: Date },
  bounds: TransactionBounds = DEFAULT_BOUNDS,
): Promise<HistoryEvent> {
  const appId = parseId(input.appId, 'appId');
  const note = parseNote(input.note);
  const { clientId, actor } = input;
  return inTransaction(
    db,
    async (tx) => {
      await lockTenant(tx, clientId);
      await getClientApp(tx, clientId, appId);
      const event: NewHistoryEvent = { eventId: newEventId(), appId, type: 'NOTE_ADDED', data: { note } };
      const claim = await claimHistoryPg(tx, clientId, input.now ?? new Date(), 1);
      await insertHistoryEventsPg(tx, clientId, actor, claim, [event]);
      // The event as stored (its row key is the database's): read back in the same transaction.
      const [row] = await txRows<HistoryRow>(tx, sql`SELECT * FROM app_history_events WHERE id = ${event.eventId}`);
      return toEvent({ ...row!, seq: Number(row!.seq), client_seq: Number(row!.client_seq) }, historyListOf({ clientId, appId, filter: NO_FILTER }));
    },
    bounds,
  );
}
