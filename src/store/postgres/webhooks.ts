/**
 * Webhooks on Postgres, as services/webhooks.ts on SQLite: the same rows, validation and answers.
 * createWebhook locks the tenant's row first, so two creations of one client count each other. The
 * lanes are leased with FOR UPDATE SKIP LOCKED: instances claiming at once each get other lanes.
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { NotFoundError } from '../../errors';
import {
  DELIVERY_LIST,
  newestFirst,
  WEBHOOK_LIST,
  clientEventSql,
  clientHeadSql,
  clientWebhookSql,
  deleteWebhookSql,
  errorText,
  eventNotFound,
  dueLanes,
  findWebhookSql,
  laneHeadOf,
  laneHeadSql,
  MAX_WEBHOOKS_PER_CLIENT,
  positionSet,
  pruneDeliveries,
  releaseLaneSql,
  renewLeaseSql,
  restLane,
  toDelivery,
  toLane,
  toWebhook,
  tooManyWebhooks,
  webhookNotFound,
  type DeliveryRow,
  type LeaseTerms,
  type NewWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryPage,
  type WebhookPage,
  type WebhookQueue,
  type WebhookRow,
  wakeLane,
  webhookCountSql,
} from '../../services/webhooks';
import { pgRows, type PgRunner } from './rows';
import { inTransaction } from './transaction';

export async function createWebhook(db: PgDb, input: NewWebhook): Promise<Webhook> {
  return inTransaction(db, async (tx) => {
    // The tenant's row locked (as lockClient locks it) as its head is read: two creations count each other.
    const [head] = await pgRows(tx)<{ at: number; seq: number }>(sql`${clientHeadSql(input.clientId)} FOR NO KEY UPDATE`);
    if (!head) throw new NotFoundError('Client not found', { field: 'clientId' });
    const [{ n }] = (await pgRows(tx)<{ n: number }>(webhookCountSql(input.clientId))) as [{ n: number }];
    if (n >= MAX_WEBHOOKS_PER_CLIENT) throw tooManyWebhooks();
    const [row] = await pgRows(tx)<WebhookRow>(sql`
      INSERT INTO webhooks (id, client_id, url, types, secret, created_at, created_by, position_at, position_seq)
      VALUES (${input.id}, ${input.clientId}, ${input.url}, ${input.types === null ? null : JSON.stringify(input.types)}::jsonb, ${input.secret},
        ${input.now}, ${input.createdBy}, ${Number(head.at)}, ${Number(head.seq)})
      RETURNING *`);
    return toWebhook(row!);
  });
}

export async function findWebhook(db: PgDb, id: string): Promise<Webhook | null> {
  const [row] = await pgRows(db)<WebhookRow>(findWebhookSql(id));
  return row ? toWebhook(row) : null;
}

export async function deleteWebhook(db: PgDb, input: { clientId: string; id: string }): Promise<Webhook> {
  const [row] = await pgRows(db)<WebhookRow>(deleteWebhookSql(input));
  if (!row) throw webhookNotFound();
  return toWebhook(row);
}

export async function listWebhooks(db: PgDb, input: { clientId: string; first?: number | null; after?: string | null }): Promise<WebhookPage> {
  const { query, page } = newestFirst(WEBHOOK_LIST, input.clientId, input);
  return page(await pgRows(db)<WebhookRow>(query));
}

export async function listWebhookDeliveries(db: PgDb, input: { webhookId: string; first?: number | null; after?: string | null }): Promise<WebhookDeliveryPage> {
  const { query, page } = newestFirst(DELIVERY_LIST, input.webhookId, input);
  return page(await pgRows(db)<DeliveryRow>(query));
}

export async function redeliverWebhookEvent(db: PgDb, input: { clientId: string; webhookId: string; eventId: string; now?: number }): Promise<WebhookDelivery> {
  const now = input.now ?? Date.now();
  return inTransaction(db, async (tx) => {
    const [hook] = await pgRows(tx)<{ id: string }>(clientWebhookSql(input));
    if (!hook) throw webhookNotFound('webhookId');
    const [event] = await pgRows(tx)<{ created_at: number; client_seq: number }>(clientEventSql(input));
    if (!event) throw eventNotFound();
    const [row] = await pgRows(tx)<DeliveryRow>(sql`
      INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_at, event_seq, redelivery, status, attempts, next_attempt_at, created_at, updated_at)
      VALUES (${randomUUID()}, ${input.webhookId}, ${input.eventId}, ${Number(event.created_at)}, ${Number(event.client_seq)}, true, 'pending', 0, ${now}, ${now}, ${now})
      RETURNING *`);
    await tx.execute(wakeLane(input.webhookId, now));
    return toDelivery(row!);
  });
}

async function renew(db: PgRunner, terms: LeaseTerms, webhookId: string, set: SQL): Promise<boolean> {
  return ((await db.execute(renewLeaseSql(terms, webhookId, set))).rowCount ?? 0) > 0;
}

export function postgresWebhookQueue(db: PgDb): WebhookQueue {
  return {
    claimLanes: async (terms) => {
      const rows = await pgRows(db)<WebhookRow>(sql`
        UPDATE webhooks SET lease_owner = ${terms.owner}, lease_until = ${terms.now + terms.leaseMs}
        WHERE id IN (${dueLanes(terms.now, terms.limit)} FOR UPDATE SKIP LOCKED)
          AND (lease_until IS NULL OR lease_until < ${terms.now})
        RETURNING *`);
      return rows.map(toLane);
    },
    laneHead: async (webhookId) => laneHeadOf((await pgRows(db)<DeliveryRow>(laneHeadSql(webhookId)))[0]),
    // One statement (the lease renewed, the lane moved and the delivery written, or nothing when the
    // lease is lost): a round trip per delivery instead of four (BEGIN, two statements, COMMIT).
    recordAttempt: async (terms, webhookId, delivery, outcome, plan) => {
      const move = plan.moveTo ? sql`position_at = ${plan.moveTo.at}::bigint, position_seq = ${plan.moveTo.clientSeq}::bigint` : sql`position_at = position_at`;
      const error = errorText(outcome.error);
      const write =
        delivery.id === null
          ? sql`INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_at, event_seq, redelivery, status, attempts, next_attempt_at, last_error, response_code, created_at, updated_at)
              SELECT ${randomUUID()}::text, w.id, ${delivery.eventId}::text, ${delivery.at}::bigint, ${delivery.clientSeq}::bigint, false, ${plan.status}::text, ${plan.attempts}::int,
                ${plan.nextAttemptAt}::bigint, ${error}::text, ${outcome.responseCode}::int, ${terms.now}::bigint, ${terms.now}::bigint FROM w`
          : sql`UPDATE webhook_deliveries SET status = ${plan.status}::text, attempts = ${plan.attempts}::int, next_attempt_at = ${plan.nextAttemptAt}::bigint,
                last_error = ${error}::text, response_code = ${outcome.responseCode}::int, updated_at = ${terms.now}::bigint
              FROM w WHERE webhook_deliveries.id = ${delivery.id} AND webhook_deliveries.webhook_id = w.id`;
      const result = await db.execute(sql`
        WITH w AS (
          UPDATE webhooks SET lease_until = ${terms.now + terms.leaseMs}::bigint, ${move}
          WHERE id = ${webhookId} AND lease_owner = ${terms.owner}
          RETURNING id),
        d AS (${write} RETURNING 1)
        SELECT (SELECT count(*) FROM w)::int AS held`);
      return Number((result.rows[0] as { held: number }).held) > 0;
    },
    advance: (terms, webhookId, position) => renew(db, terms, webhookId, positionSet(position)),
    block: (terms, webhookId, until) => renew(db, terms, webhookId, sql`due_at = ${until}`),
    rest: async (terms, webhookId, wakes) => ((await db.execute(restLane(terms, webhookId, wakes))).rowCount ?? 0) > 0,
    release: async (owner, webhookId) => {
      await db.execute(releaseLaneSql(owner, webhookId));
    },
    prune: async (webhookId, before) => (await db.execute(pruneDeliveries(webhookId, before))).rowCount ?? 0,
  };
}
