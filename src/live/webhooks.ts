/**
 * The webhook runner of one instance: it leases the due lanes (services/webhooks.ts: a write of the
 * client's history makes its lanes due, in the write's transaction) and runs each, one delivery at a
 * time, in the lane's order:
 *
 * 1. the lane's pending deliveries first, oldest first (a retry of the lane's own event, or a
 *    redelivery); one whose next attempt is not due yet holds the lane until then;
 * 2. then the client's events after the lane's position, of the webhook's types, in commit order.
 *
 * Each attempt's outcome is written with the lease renewed in one transaction; the lane moves past an
 * event once it was delivered or its attempts ran out. An instance that dies holds its lanes until
 * their leases run out (APPGOV_WEBHOOK_LEASE_MS); another instance then takes them over and sends
 * again what was not recorded as delivered: delivery is at least once, and the receiver dedupes on
 * X-Appgov-Event-Id. A lane is given up after a turn (LANE_TURN_DELIVERIES or LANE_TURN_MS), so lanes
 * spread over instances.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Store } from '../store/store';
import type { HistoryRow } from '../services/history-seek';
import { planAttempt, type AttemptOutcome, type LaneDelivery, type LeaseTerms, type RetryPolicy, type WebhookLane, type WebhookQueue } from '../services/webhooks';
import { renderEvent } from './webhook-event';
import { sendWebhook } from './webhook-send';

/** Lanes one instance runs at once. */
export const MAX_LANES = 16;
/** Deliveries of one lane's turn before the lease is given up (another instance may take it). */
export const LANE_TURN_DELIVERIES = 200;
export const LANE_TURN_MS = 10_000;
/** Events read from history at once for a lane. */
const EVENT_BATCH = 20;

export type WebhookConfig = Pick<
  Config,
  | 'webhookRetryBaseMs'
  | 'webhookRetryCapMs'
  | 'webhookMaxAttempts'
  | 'webhookTimeoutMs'
  | 'webhookLeaseMs'
  | 'webhookAllowPrivate'
  | 'webhookPollMs'
  | 'webhookRetentionDays'
>;

export interface WebhookRunnerOptions {
  queue: WebhookQueue;
  store: Pick<Store, 'historyAfter' | 'historyHeads'>;
  config: WebhookConfig;
  log: (error: unknown) => void;
  /** The instance's name in the leases (default: a fresh UUID per runner). */
  owner?: string;
  now?: () => number;
  userAgent?: string;
  /** Told of every attempt (metrics, tests). */
  onAttempt?: (lane: WebhookLane, delivery: LaneDelivery, outcome: AttemptOutcome) => void;
}

/** The JSON body of one delivery: the event as Client.history returns it, and its place in the client's history. */
export function webhookBody(webhookId: string, row: HistoryRow, redelivery: boolean): string {
  return JSON.stringify({ webhookId, sequence: row.client_seq, redelivery, event: renderEvent(row) });
}

export class WebhookRunner {
  readonly owner: string;
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: WebhookRunnerOptions) {
    this.owner = options.owner ?? `instance:${randomUUID()}`;
    this.now = options.now ?? Date.now;
    this.policy = {
      maxAttempts: options.config.webhookMaxAttempts,
      retryBaseMs: options.config.webhookRetryBaseMs,
      retryCapMs: options.config.webhookRetryCapMs,
    };
  }

  /** Polls every APPGOV_WEBHOOK_POLL_MS. */
  start(): this {
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.tick().finally(schedule), this.options.config.webhookPollMs);
      this.timer.unref();
    };
    void this.tick().finally(schedule);
    return this;
  }

  /** Something committed here: look for work now (coalesced with a look under way). */
  nudge(): void {
    if (!this.stopped) void this.tick();
  }

  /** Leases lanes with work (as many as there is room for) and starts them; resolves when the claim is made. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          const room = MAX_LANES - this.running.size;
          if (room <= 0 || this.stopped) return;
          const lanes = await this.options.queue.claimLanes({ ...this.terms(), limit: room });
          for (const lane of lanes) {
            const run: Promise<void> = this.runLane(lane)
              .catch((error: unknown) => this.options.log(error))
              .finally(() => {
                this.running.delete(run);
                // A lane whose turn ended with more to do is claimed again at once.
                if (!this.stopped) this.nudge();
              });
            this.running.add(run);
          }
        } while (this.again);
      } catch (error) {
        this.options.log(error);
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** Waits until no lane is running (tests). */
  async idle(): Promise<void> {
    while (this.ticking || this.running.size > 0) {
      await this.ticking;
      await Promise.all([...this.running]);
    }
  }

  /** Stops claiming, cuts the attempts under way short (not recorded: whoever takes the lane next sends them again), gives the leases up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.ticking;
    await Promise.all([...this.running]);
  }

  private terms(): LeaseTerms {
    return { owner: this.owner, leaseMs: this.options.config.webhookLeaseMs, now: this.now() };
  }

  private async runLane(lane: WebhookLane): Promise<void> {
    const { queue, store } = this.options;
    const started = this.now();
    let sent = 0;
    const turnLeft = () => !this.stopped && sent < LANE_TURN_DELIVERIES && this.now() - started < LANE_TURN_MS;
    try {
      while (turnLeft()) {
        const head = await queue.laneHead(lane.id);
        if (head) {
          if (head.nextAttemptAt !== null && head.nextAttemptAt > this.now()) {
            await queue.block(this.terms(), lane.id, head.nextAttemptAt);
            return;
          }
          // The event itself: the first after the place just before it (per client, (time, sequence) is commit order).
          const [row] = await store.historyAfter({
            clientId: lane.clientId,
            appId: null,
            types: null,
            after: { at: head.at, clientSeq: head.clientSeq - 1 },
            first: 1,
          });
          if (!row || row.id !== head.eventId) throw new Error(`webhook ${lane.id}: event ${head.eventId} of its pending delivery is not in history`);
          sent++;
          if ((await this.deliver(lane, head, row)) === 'stop') return;
          continue;
        }
        // The head first: everything committed before it is then in the read that follows.
        const clientHead = (await store.historyHeads([lane.clientId])).get(lane.clientId);
        const rows = await store.historyAfter({ clientId: lane.clientId, appId: null, types: lane.types, after: lane.position, first: EVENT_BATCH });
        if (rows.length === 0) {
          if (clientHead && clientHead.clientSeq > lane.position.clientSeq) {
            if (!(await queue.advance(this.terms(), lane.id, clientHead))) return;
            lane.position = clientHead;
          }
          // Caught up: asleep until a write wakes it (unless one did since the claim: then it stays due).
          // Its finished deliveries past APPGOV_WEBHOOK_RETENTION_DAYS go now, a range of its own index.
          await queue.prune(lane.id, this.now() - this.options.config.webhookRetentionDays * 86_400_000);
          await queue.rest(this.terms(), lane.id, lane.wakes);
          return;
        }
        for (const row of rows) {
          if (!turnLeft()) return;
          const delivery: LaneDelivery = { id: null, eventId: row.id, at: row.created_at, clientSeq: row.client_seq, redelivery: false, attempts: 0 };
          sent++;
          const step = await this.deliver(lane, delivery, row);
          if (step === 'stop') return;
          if (step === 'held') break; // now the lane's pending head: it holds the lane
        }
      }
    } finally {
      await queue.release(this.owner, lane.id).catch((error: unknown) => this.options.log(error));
    }
  }

  /**
   * One attempt of `delivery` and its record. 'stop': the lane's turn ends here (shutdown cut the
   * attempt short, not recorded; or the lease was lost). 'moved': the lane passed the event (it was
   * delivered or given up); 'held': it waits to be tried again (or it was a redelivery).
   */
  private async deliver(lane: WebhookLane, delivery: LaneDelivery, row: HistoryRow): Promise<'stop' | 'moved' | 'held'> {
    const outcome = await this.attempt(lane, delivery, row);
    if (this.abort.signal.aborted) return 'stop'; // cut short by shutdown: not an attempt of the receiver's
    const terms = this.terms();
    const plan = planAttempt(delivery, outcome, this.policy, terms.now);
    if (!(await this.options.queue.recordAttempt(terms, lane.id, delivery, outcome, plan))) return 'stop';
    if (plan.moveTo === null) return 'held';
    lane.position = plan.moveTo;
    return 'moved';
  }

  private async attempt(lane: WebhookLane, delivery: LaneDelivery, row: HistoryRow): Promise<AttemptOutcome> {
    const { config } = this.options;
    const outcome = await sendWebhook({
      url: lane.url,
      secret: lane.secret,
      eventId: row.id,
      webhookId: lane.id,
      body: webhookBody(lane.id, row, delivery.redelivery),
      timeoutMs: config.webhookTimeoutMs,
      allowPrivate: config.webhookAllowPrivate,
      userAgent: this.options.userAgent ?? 'appgov-webhooks',
      signal: this.abort.signal,
      now: this.now,
    });
    this.options.onAttempt?.(lane, delivery, outcome);
    return outcome;
  }
}
