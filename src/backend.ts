/**
 * What the server serves from: a store (every read and write the schema and the routes ask), where
 * the bulk writes and the priced searches run, what /health reports, and, when several instances
 * share one database, the shared per-token rate budget. One for each store: sqliteBackend (here)
 * and postgresBackend (src/store/postgres/backend.ts). Nothing above this line knows which it is.
 */
import { healthCheck } from './db/health';
import type { DatabaseFile, Db } from './db/open';
import { inThreadWriter, type Writer } from './db/writer';
import { exampleClientId } from './services/demo';
import { sqliteStore } from './store/sqlite';
import type { Store } from './store/store';
import { sqliteWebhookQueue, type WebhookQueue } from './services/webhooks';

/** /health's answer on either store: 200 when `status` is ok, else 503; `problems` says what failed, one sentence each. */
export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, string>;
  problems: string[];
}

/** The per-token budget all instances share (Postgres); the in-memory limiter stays in front of it. */
export interface SharedBudget {
  /** Takes `cost` units now, or says how many seconds until the key could afford it (nothing taken). */
  take(key: string, cost: number): Promise<{ ok: true } | { ok: false; retryAfter: number }>;
  /** Takes `units` whatever the key holds (a debt later requests wait out). */
  charge(key: string, units: number): Promise<void>;
}

export interface Backend {
  readonly kind: Store['kind'];
  store: Store;
  /** Where the bulk decision writes run. */
  writer: Writer;
  health(): Promise<HealthReport>;
  /** The client GraphiQL's example operation names (the demo client while it exists, else the first), or null. */
  exampleClientId(): Promise<string | null>;
  /**
   * One sweep of the approvals whose end has passed at `now` (services/expiry.ts): each due client in
   * its own transaction (SQLite: where the bulk writes run). How many clients it looked at, and how
   * many approvals it took back.
   */
  expireApprovals(now?: Date): Promise<{ clients: number; expired: number }>;
  /**
   * Set on a store that tells of commits (Postgres LISTEN on the history channel): calls `wake` with
   * the client id of each commit that wrote history, on any instance; resolves to a stop function.
   */
  listenHistory?: (wake: (clientId: string) => void, onError: (error: unknown) => void) => Promise<() => Promise<void>>;
  /** The webhook lanes' leases and records (src/live/webhooks.ts runs them). */
  webhookQueue: WebhookQueue;
  /** Set when instances share the rate budget through the database. */
  sharedBudget?: SharedBudget;
  /**
   * Set on a store whose calls wait for a pooled connection (Postgres): how many of one request's
   * store calls may run at once. The other calls of that request wait their turn in the request,
   * not in the pool's queue, so a request of 55 list fields holds a few connections, not all, and
   * another token's request is served meanwhile.
   */
  callsPerRequest?: number;
}

/**
 * `store` for one request: at most `limit` of its calls at once, the others started in order as
 * those end. Every method of the store is wrapped (its `kind` is kept).
 */
export function requestStore(store: Store, limit: number): Store {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const acquire = (): Promise<void> | null => {
    if (running < limit) {
      running++;
      return null;
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const limited: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') {
      limited[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    limited[name] = async (...args: unknown[]) => {
      const turn = acquire();
      if (turn) await turn;
      try {
        return await method(...args);
      } finally {
        release();
      }
    };
  }
  return limited as unknown as Store;
}

/** The embedded SQLite store on one connection; the bulk writes (`writer`) and the priced searches (`scanner`) default to this thread. */
export function sqliteBackend(db: Db, options: { file?: DatabaseFile | null; writer?: Writer; scanner?: Writer } = {}): Backend {
  const scanner = options.scanner ?? inThreadWriter(db);
  const check = healthCheck(db, options.file);
  const writer = options.writer ?? inThreadWriter(db);
  return {
    kind: 'sqlite',
    store: sqliteStore(db, scanner),
    writer,
    webhookQueue: sqliteWebhookQueue(db),
    expireApprovals: (now = new Date()) => writer.run('expireApprovals', { now: now.getTime() }),
    health: async () => check(),
    exampleClientId: async () => exampleClientId(db),
  };
}
