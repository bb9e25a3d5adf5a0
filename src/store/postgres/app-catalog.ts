/**
 * The catalog update on Postgres (`appgov app update`), as services/app-decisions.ts updateAppCatalog
 * on SQLite: rename an app or change what it requests, and in the same transaction every org-level
 * approval that no longer covers the new scopes is lost (unresolved, needs re-approval, one
 * APPROVAL_LOST_SCOPE_CHANGE event per client). The same entry rule (nextCatalogEntry), the same
 * re-approval rule (planCatalogScopeChange), the same errors; a fixed number of statements however
 * many clients approved the app.
 *
 * Concurrency under READ COMMITTED, by construction:
 * - The app's row is locked first (FOR NO KEY UPDATE) and read under that lock, so two updates of
 *   one app run one after the other, the second from the first's commit (no rename undone by a
 *   scope change that read the old name, no approval lost twice). NO KEY UPDATE, not UPDATE: the
 *   foreign-key checks of other writers (history, requests, states of the app) go on meanwhile.
 * - Every decision reads the apps it decides FOR SHARE (decideInTx's lookup), which that lock
 *   excludes: a decision that read the old scopes commits before the update reads the approvals
 *   (and its approval is then judged against the new scopes here), and one that reads after waits
 *   for the update's commit and sees the new scopes. No approval with the old scopes slips past.
 * - Locks are taken in a decision's order, clients before the app: a decision holds its client's
 *   row and then reads the app FOR SHARE, so an update holding the app while it waits for a client
 *   would deadlock with every client re-deciding the app (measured: one 40P01, a second lost to
 *   deadlock_timeout, per such client). So the update first locks every client that holds an org
 *   approval of the app, in id order (two updates cannot deadlock each other), then the app, then
 *   reads the approvals again; the clients that lose theirs have their heads claimed in one
 *   statement, so each client's events stay commit order. Only a client whose approval committed
 *   between the two locks is locked after the app: should its next decision of this app hold it
 *   already, that one deadlock is broken by Postgres (40P01) and inTransaction runs the loser again.
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { NotFoundError } from '../../errors';
import { nextCatalogEntry, notLapsed, planCatalogScopeChange, type AppCatalogUpdate, type UpdateAppCatalogInput } from '../../services/app-decisions';
import { parseReason } from '../../services/fields';
import { parseId } from '../../services/ids';
import { DEFAULT_BOUNDS, inTransaction, type PgTx, type TransactionBounds } from './transaction';

async function rows<T>(tx: PgTx, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await tx.execute(query)).rows as T[];
}

export async function updateAppCatalog(db: PgDb, input: UpdateAppCatalogInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<AppCatalogUpdate> {
  // Validated before the transaction, as on SQLite: a malformed call takes no lock.
  const appId = parseId(input.appId, 'id');
  const reason = parseReason(input.reason);
  const { actor } = input;
  return inTransaction(
    db,
    async (tx) => {
      // Clients first (a decision holds its client's row, then reads the app FOR SHARE): every client
      // that approved the app, in id order, a superset of those that may lose the approval.
      await tx.execute(sql`
        SELECT c.id FROM clients AS c
        WHERE EXISTS (SELECT 1 FROM client_app_states AS x WHERE x.client_id = c.id AND x.app_id = ${appId} AND x.resolution = 'approved')
        ORDER BY c.id FOR NO KEY UPDATE OF c`);
      const [app] = await rows<{ name: string; scopes: string[] | null }>(tx, sql`SELECT name, scopes FROM apps WHERE id = ${appId} FOR NO KEY UPDATE`);
      if (!app) throw new NotFoundError(`App not found: ${appId}`, { field: 'id' });
      const { name, scopes } = nextCatalogEntry(app, input);
      // The clock is read under the app's lock; each client's head then holds it to that client's history order.
      const ms = (input.now ?? new Date()).getTime();
      await tx.execute(sql`UPDATE apps SET name = ${name}, scopes = ${JSON.stringify(scopes)}::jsonb WHERE id = ${appId}`);
      // Read after the lock (a fresh snapshot): every decision of this app that read it before has committed.
      // One primary-key seek per client, as on SQLite (no index on app_id to keep up on every write).
      const approvals = await rows<{ client_id: string; approved_scopes: string[] | null }>(tx, sql`
        SELECT c.id AS client_id, s.approved_scopes FROM clients AS c
        CROSS JOIN LATERAL (
          SELECT x.approved_scopes FROM client_app_states AS x WHERE x.client_id = c.id AND x.app_id = ${appId} AND x.resolution = 'approved'
            AND ${notLapsed(sql`x`, ms)}
        ) AS s
        ORDER BY c.id`);
      const plan = planCatalogScopeChange(
        appId,
        scopes,
        approvals.map((a) => ({ clientId: a.client_id, approvedScopes: a.approved_scopes })),
        reason,
      );
      if (plan.lostClientIds.length > 0) {
        const lost = JSON.stringify(plan.lostClientIds);
        // Each client locked (in id order: the subquery locks its sorted rows) and its head claimed, one event each. Held
        // already but for a client whose approval committed between the first lock and the app's (then it may deadlock
        // with that client's next decision of this app: retried).
        await tx.execute(sql`
          UPDATE clients AS c SET history_seq = c.history_seq + 1, history_at = GREATEST(c.history_at, ${ms}::bigint)
          FROM (SELECT id FROM clients WHERE id IN (SELECT jsonb_array_elements_text(${lost}::jsonb)) ORDER BY id FOR NO KEY UPDATE) AS l
          WHERE c.id = l.id
          RETURNING pg_notify('appgov_history', c.id)`);
        await tx.execute(sql`
          UPDATE client_app_states AS s SET resolution = 'unresolved', approved_scopes = NULL, approval_expires_at = NULL, needs_reapproval = true,
            decided_at = c.history_at, decided_by = ${actor.tokenId}, version = s.version + 1, updated_at = c.history_at
          FROM clients AS c
          WHERE c.id = s.client_id AND s.app_id = ${appId} AND s.client_id IN (SELECT jsonb_array_elements_text(${lost}::jsonb))`);
        const events = JSON.stringify(plan.events.map((e) => [e.eventId, e.clientId, e.type, e.data]));
        await tx.execute(sql`
          INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
          SELECT j.value ->> 0, c.id, ${appId}, j.value ->> 2, ${actor.tokenId}, ${actor.kind}, ${actor.name}, j.value -> 3, c.history_at, c.history_seq
          FROM jsonb_array_elements(${events}::jsonb) AS j(value) JOIN clients AS c ON c.id = j.value ->> 1`);
      }
      return { id: appId, name, scopes, lostApprovals: plan.lostClientIds };
    },
    bounds,
  );
}
