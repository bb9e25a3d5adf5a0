/**
 * Webhooks: a client's URLs that are sent its new history events, signed, in commit order.
 *
 * The history is the outbox. A webhook's lane is its client's events after the webhook's position
 * (of its types), oldest first; the event rows are written in the transaction of the change, so a
 * crash can delay a delivery but never drop one. The lane moves past an event once it was delivered
 * or its attempts ran out, in the transaction that records the outcome; a failing event holds the
 * events after it. One instance at a time runs a lane: the one holding its lease (src/live/webhooks.ts
 * runs the lanes). These are the SQLite functions; src/store/postgres/webhooks.ts ports them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import { HISTORY_EVENT_TYPES, type HistoryEventType, type WebhookDeliveryStatus } from '../db/schema';
import { BadUserInputError, NotFoundError } from '../errors';
import { refusedLiteral } from '../live/address-guard';
import { retryWhileBusy } from '../db/busy';
import type { HistoryPosition } from './history-seek';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';

/** Webhooks one client may have. */
export const MAX_WEBHOOKS_PER_CLIENT = 10;
export const MAX_URL_LENGTH = 2048;
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;

export interface Webhook {
  id: string;
  clientId: string;
  url: string;
  /** The event types sent; null: all. */
  types: HistoryEventType[] | null;
  createdAt: Date;
  createdBy: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  /** The event's place in its client's history (its per-client sequence). */
  sequence: number;
  redelivery: boolean;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  responseCode: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookRow {
  id: string;
  client_id: string;
  url: string;
  types: string | null;
  secret: string;
  created_at: number;
  created_by: string;
  position_at: number;
  position_seq: number;
  due_at: number | null;
  wakes: number;
  lease_owner: string | null;
  lease_until: number | null;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event_at: number;
  event_seq: number;
  redelivery: number | boolean;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  response_code: number | null;
  created_at: number;
  updated_at: number;
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
/** A boolean column as either store hands it over (SQLite 0/1, Postgres true/false). */
const flag = (value: number | boolean): boolean => value === true || value === 1;

const typesOf = (row: WebhookRow): HistoryEventType[] | null => (row.types === null ? null : (JSON.parse(row.types) as HistoryEventType[]));

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    clientId: row.client_id,
    url: row.url,
    types: typesOf(row),
    createdAt: new Date(num(row.created_at)),
    createdBy: row.created_by,
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  const next = numOrNull(row.next_attempt_at);
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    sequence: num(row.event_seq),
    redelivery: flag(row.redelivery),
    status: row.status,
    attempts: num(row.attempts),
    nextAttemptAt: next === null ? null : new Date(next),
    lastError: row.last_error,
    responseCode: numOrNull(row.response_code),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

/** What createWebhook writes, validated before any transaction (both stores). */
export interface NewWebhook {
  id: string;
  clientId: string;
  url: string;
  types: HistoryEventType[] | null;
  secret: string;
  /** True when the caller gave none: the answer shows the generated one, once. */
  generatedSecret: boolean;
  createdBy: string;
  now: number;
}

/**
 * The target of a webhook: an absolute http or https URL without credentials, at most
 * MAX_URL_LENGTH characters. An IP literal on loopback, link-local or a private range is refused
 * here already unless `allowPrivate`; a name is checked on the address it resolves to, at each
 * delivery (src/live/webhook-send.ts).
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): string {
  const refuse = (why: string) => new BadUserInputError(`url ${why}`, { field: 'url' });
  const text = raw.trim();
  if (text.length === 0) throw refuse('must not be empty');
  if (text.length > MAX_URL_LENGTH) throw refuse(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`must use http or https, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw refuse('must not carry a user name or password');
  if (url.hash) throw refuse('must not have a #fragment');
  if (!allowPrivate && refusedLiteral(url) !== null) {
    throw refuse('points at a loopback, link-local or private address, which webhooks may not reach (the server allows them with APPGOV_WEBHOOK_ALLOW_PRIVATE=1)');
  }
  if (!allowPrivate && (url.hostname === 'localhost' || url.hostname.endsWith('.localhost'))) {
    throw refuse('points at localhost, which webhooks may not reach (the server allows it with APPGOV_WEBHOOK_ALLOW_PRIVATE=1)');
  }
  return url.href;
}

/** The event types a webhook is sent: absent for all; an empty list is refused. Distinct, in the order given. */
export function parseWebhookTypes(types: readonly string[] | null | undefined): HistoryEventType[] | null {
  if (types === null || types === undefined) return null;
  if (types.length === 0) throw new BadUserInputError('types must name at least one event type, or be omitted for all types', { field: 'types' });
  const unknown = types.filter((t) => !(HISTORY_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new BadUserInputError(`unknown event types: ${unknown.join(', ')}`, { field: 'types' });
  return [...new Set(types)] as HistoryEventType[];
}

/** The signing secret: as given (MIN_SECRET_LENGTH to MAX_SECRET_LENGTH printable characters), or 32 random bytes. */
export function parseWebhookSecret(raw: string | null | undefined): { secret: string; generated: boolean } {
  if (raw === null || raw === undefined) return { secret: `whsec_${randomBytes(32).toString('base64url')}`, generated: true };
  if (raw.length < MIN_SECRET_LENGTH || raw.length > MAX_SECRET_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new BadUserInputError(
      `secret must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} printable ASCII characters without spaces, or omitted to have one generated`,
      { field: 'secret' },
    );
  }
  return { secret: raw, generated: false };
}

export function newWebhook(input: { clientId: string; url: string; types?: readonly string[] | null; secret?: string | null; actor: Principal; allowPrivate: boolean; now?: number }): NewWebhook {
  const url = parseWebhookUrl(input.url, input.allowPrivate);
  const types = parseWebhookTypes(input.types);
  const { secret, generated } = parseWebhookSecret(input.secret);
  return { id: randomUUID(), clientId: input.clientId, url, types, secret, generatedSecret: generated, createdBy: input.actor.tokenId, now: input.now ?? Date.now() };
}

export function tooManyWebhooks(): BadUserInputError {
  return new BadUserInputError(`A client may have at most ${MAX_WEBHOOKS_PER_CLIENT} webhooks: delete one first`, {
    field: 'clientId',
    limit: 'webhooksPerClient',
    max: MAX_WEBHOOKS_PER_CLIENT,
  });
}

export const webhookNotFound = (field = 'id') => new NotFoundError('Webhook not found', { field });

// The statements both stores run (Postgres adds its casts and locks where it needs them).

/** The client's history head: where a new webhook's lane starts. */
export const clientHeadSql = (clientId: string) => sql`SELECT history_at AS at, history_seq AS seq FROM clients WHERE id = ${clientId}`;
export const webhookCountSql = (clientId: string) => sql`SELECT count(*) AS n FROM webhooks WHERE client_id = ${clientId}`;
export const findWebhookSql = (id: string) => sql`SELECT * FROM webhooks WHERE id = ${id}`;
export const deleteWebhookSql = (input: { clientId: string; id: string }) =>
  sql`DELETE FROM webhooks WHERE id = ${input.id} AND client_id = ${input.clientId} RETURNING *`;
/** The webhook of the client (redeliverWebhookEvent), and the client's event it sends again. */
export const clientWebhookSql = (input: { clientId: string; webhookId: string }) =>
  sql`SELECT id FROM webhooks WHERE id = ${input.webhookId} AND client_id = ${input.clientId}`;
export const clientEventSql = (input: { clientId: string; eventId: string }) =>
  sql`SELECT created_at, client_seq FROM app_history_events WHERE id = ${input.eventId} AND client_id = ${input.clientId}`;

/**
 * Creates a webhook (at most MAX_WEBHOOKS_PER_CLIENT per client). Its lane starts at the client's
 * head: it is sent the events committed after it, not the history before.
 */
export function createWebhook(db: Db, input: NewWebhook): Webhook {
  return db.transaction(
    (tx) => {
      const head = tx.get<{ at: number; seq: number } | undefined>(clientHeadSql(input.clientId));
      if (!head) throw new NotFoundError('Client not found', { field: 'clientId' });
      const { n } = tx.get<{ n: number }>(webhookCountSql(input.clientId));
      if (n >= MAX_WEBHOOKS_PER_CLIENT) throw tooManyWebhooks();
      const row = tx.get<WebhookRow>(sql`
        INSERT INTO webhooks (id, client_id, url, types, secret, created_at, created_by, position_at, position_seq)
        VALUES (${input.id}, ${input.clientId}, ${input.url}, ${input.types === null ? null : JSON.stringify(input.types)}, ${input.secret},
          ${input.now}, ${input.createdBy}, ${head.at}, ${head.seq})
        RETURNING *`);
      return toWebhook(row);
    },
    { behavior: 'immediate' },
  );
}

export function findWebhook(db: Db, id: string): Webhook | null {
  const row = db.get<WebhookRow | undefined>(findWebhookSql(id));
  return row ? toWebhook(row) : null;
}

/** Deletes a webhook of the client and its deliveries; NOT_FOUND when the client has none of that id. */
export function deleteWebhook(db: Db, input: { clientId: string; id: string }): Webhook {
  const row = db.get<WebhookRow | undefined>(deleteWebhookSql(input));
  if (!row) throw webhookNotFound();
  return toWebhook(row);
}

export type WebhookPage = Page<Webhook & { cursor: string }>;
export type WebhookDeliveryPage = Page<WebhookDelivery & { cursor: string }>;

/** A list of one owner's rows, newest first by (created_at, id), with sealed cursors bound to the owner. */
interface NewestFirstList<Row, Item> {
  kind: string;
  table: SQL;
  owner: SQL;
  toItem: (row: Row) => Item;
}

export const WEBHOOK_LIST: NewestFirstList<WebhookRow, Webhook> = { kind: 'webhook', table: sql`webhooks`, owner: sql`client_id`, toItem: toWebhook };
export const DELIVERY_LIST: NewestFirstList<DeliveryRow, WebhookDelivery> = {
  kind: 'webhook-delivery',
  table: sql`webhook_deliveries`,
  owner: sql`webhook_id`,
  toItem: toDelivery,
};

/**
 * One page of `list` for `ownerId` (a client's webhooks, a webhook's deliveries): the statement
 * both stores run (a seek on the owner's (created_at, id) index), and the page of its rows.
 */
export function newestFirst<Row extends { created_at: number; id: string }, Item extends object>(
  list: NewestFirstList<Row, Item>,
  ownerId: string,
  input: { first?: number | null; after?: string | null },
): { query: SQL; page: (rows: Row[]) => Page<Item & { cursor: string }> } {
  const size = pageSize(input.first);
  const after = decodeCursor(list.kind, input.after, ['number', 'string'], 'after', ownerId);
  return {
    query: sql`SELECT * FROM ${list.table} WHERE ${list.owner} = ${ownerId}
      ${after ? sql`AND (created_at, id) < (CAST(${after[0]} AS bigint), ${after[1]})` : sql``}
      ORDER BY created_at DESC, id DESC LIMIT ${size + 1}`,
    page: (rows) => {
      const page = toPage(rows, size);
      return { items: page.items.map((row) => withCursor(list.toItem(row), list.kind, [num(row.created_at), row.id], ownerId)), hasNextPage: page.hasNextPage };
    },
  };
}

/** A client's webhooks, newest first. */
export function listWebhooks(db: Db, input: { clientId: string; first?: number | null; after?: string | null }): WebhookPage {
  const { query, page } = newestFirst(WEBHOOK_LIST, input.clientId, input);
  return page(db.all<WebhookRow>(query));
}

/** A webhook's deliveries, newest first. */
export function listWebhookDeliveries(db: Db, input: { webhookId: string; first?: number | null; after?: string | null }): WebhookDeliveryPage {
  const { query, page } = newestFirst(DELIVERY_LIST, input.webhookId, input);
  return page(db.all<DeliveryRow>(query));
}

export const eventNotFound = () => new NotFoundError("eventId names no event of this webhook's client", { field: 'eventId' });

/**
 * Asks for one event of the webhook's client to be sent again: a pending redelivery, queued in the
 * lane behind the deliveries already pending and before the events after the lane's position, with
 * the attempts of a new delivery. It does not move the lane.
 */
export function redeliverWebhookEvent(db: Db, input: { clientId: string; webhookId: string; eventId: string; now?: number }): WebhookDelivery {
  const now = input.now ?? Date.now();
  return db.transaction(
    (tx) => {
      const hook = tx.get<{ id: string } | undefined>(clientWebhookSql(input));
      if (!hook) throw webhookNotFound('webhookId');
      const event = tx.get<{ created_at: number; client_seq: number } | undefined>(clientEventSql(input));
      if (!event) throw eventNotFound();
      const row = tx.get<DeliveryRow>(sql`
        INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_at, event_seq, redelivery, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (${randomUUID()}, ${input.webhookId}, ${input.eventId}, ${event.created_at}, ${event.client_seq}, 1, 'pending', 0, ${now}, ${now}, ${now})
        RETURNING *`);
      tx.run(wakeLane(input.webhookId, now));
      return toDelivery(row);
    },
    { behavior: 'immediate' },
  );
}

// ---------------------------------------------------------------------------------------------
// The lanes, as src/live/webhooks.ts runs them (both stores implement WebhookQueue).

/** A lane as its runner holds it: the webhook, its secret and where it stands. */
export interface WebhookLane {
  id: string;
  clientId: string;
  url: string;
  types: HistoryEventType[] | null;
  secret: string;
  position: HistoryPosition;
  /** The lane's wake-up count when it was claimed (see WebhookQueue.rest). */
  wakes: number;
}

export function toLane(row: WebhookRow): WebhookLane {
  return {
    id: row.id,
    clientId: row.client_id,
    url: row.url,
    types: typesOf(row),
    secret: row.secret,
    position: { at: num(row.position_at), clientSeq: num(row.position_seq) },
    wakes: num(row.wakes),
  };
}

/** The event a delivery sends: the lane's next (no row yet) or a pending row's. */
export interface LaneDelivery {
  /** The pending row's id; null for the lane's next event, not yet written. */
  id: string | null;
  eventId: string;
  at: number;
  clientSeq: number;
  redelivery: boolean;
  /** Attempts made before this one. */
  attempts: number;
}

/** What one attempt came to. */
export interface AttemptOutcome {
  ok: boolean;
  responseCode: number | null;
  error: string | null;
}

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
}

export interface LeaseTerms {
  owner: string;
  leaseMs: number;
  now: number;
}

/** The wait before attempt `attempts + 1`, after `attempts` failed ones: base, doubling, at most the cap. */
export function retryDelay(attempts: number, policy: Pick<RetryPolicy, 'retryBaseMs' | 'retryCapMs'>): number {
  return Math.min(policy.retryCapMs, policy.retryBaseMs * 2 ** Math.max(0, Math.min(attempts - 1, 40)));
}

/** What recording an attempt writes: the delivery's new state, and whether the lane moves past its event. */
export interface AttemptPlan {
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  /** The lane's new position (its own event delivered or given up); null: it stays. */
  moveTo: HistoryPosition | null;
}

export function planAttempt(delivery: LaneDelivery, outcome: AttemptOutcome, policy: RetryPolicy, now: number): AttemptPlan {
  const attempts = delivery.attempts + 1;
  const passes = outcome.ok || attempts >= policy.maxAttempts;
  const nextAttemptAt = passes ? null : now + retryDelay(attempts, policy);
  return {
    status: outcome.ok ? 'delivered' : passes ? 'failed' : 'pending',
    attempts,
    nextAttemptAt,
    moveTo: passes && !delivery.redelivery ? { at: delivery.at, clientSeq: delivery.clientSeq } : null,
  };
}

/** An error as a delivery records it: one line, at most 500 characters. */
export function errorText(error: string | null): string | null {
  if (error === null) return null;
  const line = error.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** The lanes' side of a store (src/live/webhooks.ts). A `false` answer: the lease was lost (another instance runs the lane now). */
export interface WebhookQueue {
  /** Leases up to `limit` due lanes (due_at passed) that no live lease holds, soonest first. */
  claimLanes(terms: LeaseTerms & { limit: number }): Promise<WebhookLane[]>;
  /** The lane's oldest pending delivery, or null. */
  laneHead(webhookId: string): Promise<LaneDelivery & { nextAttemptAt: number | null } | null>;
  /** Records an attempt as planAttempt planned it (and moves the lane), renewing the lease; nothing when the lease is lost. */
  recordAttempt(terms: LeaseTerms, webhookId: string, delivery: LaneDelivery, outcome: AttemptOutcome, plan: AttemptPlan): Promise<boolean>;
  /** Moves the lane to `position` (no event of its types before it), renewing the lease. */
  advance(terms: LeaseTerms, webhookId: string, position: HistoryPosition): Promise<boolean>;
  /** Keeps the lease and makes the lane due at `until`, its head's next attempt. */
  block(terms: LeaseTerms, webhookId: string, until: number): Promise<boolean>;
  /**
   * The lane is caught up (no pending delivery, no event after its position): it is put to sleep
   * (due_at null) and its lease given up, unless a write woke it since it was claimed (`wakes`
   * changed), which leaves it due. False when it stays due.
   */
  rest(terms: LeaseTerms, webhookId: string, wakes: number): Promise<boolean>;
  /** Gives the lease up. */
  release(owner: string, webhookId: string): Promise<void>;
  /** Deletes the lane's finished deliveries (delivered or failed) written before `before` (ms); how many. */
  prune(webhookId: string, before: number): Promise<number>;
}

/** The lane's oldest pending delivery (both stores): a seek on webhook_deliveries_pending_idx. */
export function laneHeadSql(webhookId: string) {
  return sql`SELECT * FROM webhook_deliveries WHERE webhook_id = ${webhookId} AND status = 'pending' ORDER BY created_at, id LIMIT 1`;
}

/** Renews the lane's lease and sets `set`, when `terms.owner` still holds it (both stores; a row changed: held). */
export function renewLeaseSql(terms: LeaseTerms, webhookId: string, set: SQL) {
  return sql`UPDATE webhooks SET lease_until = ${terms.now + terms.leaseMs}, ${set} WHERE id = ${webhookId} AND lease_owner = ${terms.owner}`;
}

/** The lane moved to `position`, as a SET clause. */
export const positionSet = (position: HistoryPosition) => sql`position_at = ${position.at}, position_seq = ${position.clientSeq}`;

/** WebhookQueue.release's statement (both stores). */
export function releaseLaneSql(owner: string, webhookId: string) {
  return sql`UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE id = ${webhookId} AND lease_owner = ${owner}`;
}

/** WebhookQueue.prune's statement (both stores): a range of webhook_deliveries_webhook_idx. */
export function pruneDeliveries(webhookId: string, before: number) {
  return sql`DELETE FROM webhook_deliveries WHERE webhook_id = ${webhookId} AND created_at < ${before} AND status <> 'pending'`;
}

/** The due lanes no live lease holds, soonest first (both stores): a seek on webhooks_due_idx. */
export function dueLanes(now: number, limit: number) {
  return sql`SELECT id FROM webhooks
    WHERE due_at IS NOT NULL AND due_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
    ORDER BY due_at LIMIT ${limit}`;
}

/** A redelivery wakes its lane (an idle one becomes due now), as a history write does (migration webhook_wake). */
export function wakeLane(webhookId: string, now: number) {
  return sql`UPDATE webhooks SET wakes = wakes + 1, due_at = coalesce(due_at, ${now}) WHERE id = ${webhookId}`;
}

/** WebhookQueue.rest's statement (both stores). */
export function restLane(terms: LeaseTerms, webhookId: string, wakes: number) {
  return sql`UPDATE webhooks SET due_at = NULL, lease_owner = NULL, lease_until = NULL
    WHERE id = ${webhookId} AND lease_owner = ${terms.owner} AND wakes = ${wakes}
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.webhook_id = ${webhookId} AND d.status = 'pending')`;
}

export function laneHeadOf(row: DeliveryRow | undefined): (LaneDelivery & { nextAttemptAt: number | null }) | null {
  if (!row) return null;
  return {
    id: row.id,
    eventId: row.event_id,
    at: num(row.event_at),
    clientSeq: num(row.event_seq),
    redelivery: flag(row.redelivery),
    attempts: num(row.attempts),
    nextAttemptAt: numOrNull(row.next_attempt_at),
  };
}

/**
 * The lanes on SQLite. The runner writes on the main connection while a bulk call may hold the write
 * lock in the writer thread for tens of ms, past the connection's busy timeout: each write waits for
 * the lock on a timer (retryWhileBusy, up to `busyWaitMs`) instead of failing the lane's turn, which
 * would leave the lane leased, undelivered, until its lease ran out.
 */
export function sqliteWebhookQueue(db: Db, busyWaitMs = 5000): WebhookQueue {
  const write = <T>(work: () => T): Promise<T> => retryWhileBusy(work, busyWaitMs);
  const renew = (tx: Pick<Db, 'run'>, terms: LeaseTerms, webhookId: string, set: SQL) => tx.run(renewLeaseSql(terms, webhookId, set)).changes > 0;
  return {
    claimLanes: async (terms) => {
      // A read first: with nothing to do (the usual case) the poll writes nothing.
      const ids = db.all<{ id: string }>(dueLanes(terms.now, terms.limit));
      if (ids.length === 0) return [];
      const rows = await write(() => db.all<WebhookRow>(sql`
        UPDATE webhooks SET lease_owner = ${terms.owner}, lease_until = ${terms.now + terms.leaseMs}
        WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids.map((r) => r.id))}))
          AND (lease_until IS NULL OR lease_until < ${terms.now})
        RETURNING *`));
      return rows.map(toLane);
    },
    laneHead: async (webhookId) => laneHeadOf(db.get<DeliveryRow | undefined>(laneHeadSql(webhookId))),
    recordAttempt: (terms, webhookId, delivery, outcome, plan) =>
      write(() => db.transaction(
        (tx) => {
          const move = plan.moveTo ? positionSet(plan.moveTo) : sql`position_at = position_at`;
          if (!renew(tx, terms, webhookId, move)) return false;
          const error = errorText(outcome.error);
          if (delivery.id === null) {
            tx.run(sql`
              INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_at, event_seq, redelivery, status, attempts, next_attempt_at, last_error, response_code, created_at, updated_at)
              VALUES (${randomUUID()}, ${webhookId}, ${delivery.eventId}, ${delivery.at}, ${delivery.clientSeq}, 0, ${plan.status}, ${plan.attempts},
                ${plan.nextAttemptAt}, ${error}, ${outcome.responseCode}, ${terms.now}, ${terms.now})`);
          } else {
            tx.run(sql`
              UPDATE webhook_deliveries SET status = ${plan.status}, attempts = ${plan.attempts}, next_attempt_at = ${plan.nextAttemptAt},
                last_error = ${error}, response_code = ${outcome.responseCode}, updated_at = ${terms.now}
              WHERE id = ${delivery.id}`);
          }
          return true;
        },
        { behavior: 'immediate' },
      )),
    advance: (terms, webhookId, position) => write(() => renew(db, terms, webhookId, positionSet(position))),
    block: (terms, webhookId, until) => write(() => renew(db, terms, webhookId, sql`due_at = ${until}`)),
    rest: (terms, webhookId, wakes) => write(() => db.run(restLane(terms, webhookId, wakes)).changes > 0),
    release: (owner, webhookId) =>
      write(() => {
        db.run(releaseLaneSql(owner, webhookId));
      }),
    prune: (webhookId, before) => write(() => db.run(pruneDeliveries(webhookId, before)).changes),
  };
}
