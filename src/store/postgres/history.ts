/**
 * The Postgres store for history: the claim and appends every write uses (as services/history.ts
 * on SQLite), and the reads of services/history.ts: the loader's batch of app history pages and the
 * client-wide audit view, with the same order, filters, cursors and events.
 *
 * Order, as on SQLite: per client, newest first by (created_at, client_seq), which is commit order
 * (the head on the client row is bumped under the tenant's lock; no sequence orders anything).
 */
import { sql } from 'drizzle-orm';
import type { Principal } from '../../auth/principal';
import { NotFoundError } from '../../errors';
import type { HistoryClaim, NewHistoryEvent } from '../../services/history';
import type { PgTx } from './transaction';

async function rows<T>(tx: PgTx, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await tx.execute(query)).rows as T[];
}

/** The history claim (see services/history.ts claimHistory): under the tenant lock, one statement. */
export async function claimHistoryPg(tx: PgTx, clientId: string, now: Date, count: number): Promise<HistoryClaim> {
  const [head] = await rows<{ seq: number | string; at: number | string }>(tx, sql`
    UPDATE clients SET history_seq = history_seq + ${count}, history_at = GREATEST(history_at, ${now.getTime()}::bigint)
    WHERE id = ${clientId}
    RETURNING history_seq AS seq, history_at AS at`);
  if (!head) throw new NotFoundError('Client not found', { field: 'clientId' });
  // Drizzle's queries parse int8 with pg's global parser (a string), whatever the pool's own: read as numbers here.
  const seq = Number(head.seq);
  return { clientId, at: new Date(Number(head.at)), firstSeq: seq - count + 1, count };
}

/** Appends the claimed events in one statement, numbered from the claim in the order given. */
export async function insertHistoryEventsPg(tx: PgTx, clientId: string, actor: Principal, claim: HistoryClaim, events: readonly NewHistoryEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (claim.clientId !== clientId || claim.count !== events.length) {
    throw new Error(`history claim for ${claim.count} events of ${claim.clientId} used for ${events.length} of ${clientId}`);
  }
  const data = JSON.stringify(events.map((e) => [e.eventId, e.appId, e.type, e.data]));
  await tx.execute(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    SELECT j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2, ${actor.tokenId}, ${actor.kind}, ${actor.name},
           j.value -> 3, ${claim.at.getTime()}::bigint, ${claim.firstSeq}::bigint + j.ord - 1
    FROM jsonb_array_elements(${data}::jsonb) WITH ORDINALITY AS j(value, ord)`);
}
