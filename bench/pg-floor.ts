/**
 * The Postgres section's floor (bench/postgres-decisions.ts): the least of a bulk decision's work in
 * one transaction with raw `pg`, on appgov's Postgres schema: the client's row lock, one lookup of
 * the ids (apps and the client's states), the history head bumped, one upsert of the changed states,
 * one insert of their events. Used in the bench process (beside postgresWriter) and by
 * bench/pg-floor-server.ts (over HTTP, beside the compiled server).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface PgFloorResult {
  changed: string[];
  failed: { id: string; code: 'APP_NOT_FOUND' }[];
}

export async function pgFloorCall(pool: pg.Pool, clientId: string, actorId: string, ids: readonly string[], approve: boolean): Promise<PgFloorResult> {
  const [to, from] = approve ? ['approved', 'unresolved'] : ['unresolved', 'approved'];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM clients WHERE id = $1 FOR NO KEY UPDATE', [clientId]);
    const found = await client.query<{ id: string; found: boolean; resolution: string | null }>(
      `SELECT j.value AS id, a.id IS NOT NULL AS found, s.resolution FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS j(value, ord)
       LEFT JOIN apps AS a ON a.id = j.value LEFT JOIN client_app_states AS s ON s.client_id = $2 AND s.app_id = a.id
       ORDER BY j.ord`,
      [JSON.stringify(ids), clientId],
    );
    const result: PgFloorResult = { changed: [], failed: [] };
    for (const row of found.rows) {
      if (!row.found) result.failed.push({ id: row.id, code: 'APP_NOT_FOUND' });
      else if ((row.resolution ?? 'unresolved') !== to) result.changed.push(row.id);
    }
    const changed = result.changed;
    if (changed.length > 0) {
      const now = Date.now();
      const head = await client.query('UPDATE clients SET history_seq = history_seq + $2, history_at = GREATEST(history_at, $3) WHERE id = $1 RETURNING history_seq', [clientId, changed.length, now]);
      const first = Number(head.rows[0].history_seq) - changed.length + 1;
      await client.query(
        `INSERT INTO client_app_states (client_id, app_id, resolution, needs_reapproval, decided_at, decided_by, version, updated_at)
         SELECT $1, j.value, $2, false, $3, $4, 1, $3 FROM jsonb_array_elements_text($5::jsonb) AS j(value)
         ON CONFLICT (client_id, app_id) DO UPDATE SET resolution = excluded.resolution, decided_at = excluded.decided_at,
           decided_by = excluded.decided_by, version = client_app_states.version + 1, updated_at = excluded.updated_at`,
        [clientId, to, now, actorId, JSON.stringify(changed)],
      );
      await client.query(
        `INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
         SELECT j.value ->> 0, $1, j.value ->> 1, 'APPROVAL_STATUS_CHANGED', $2, 'internal', 'bench', $3::jsonb, $4, $5 + j.ord - 1
         FROM jsonb_array_elements($6::jsonb) WITH ORDINALITY AS j(value, ord)`,
        [clientId, actorId, JSON.stringify({ from, to, reason: null }), now, first, JSON.stringify(changed.map((id) => [randomUUID(), id]))],
      );
    }
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
