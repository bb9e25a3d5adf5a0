/**
 * The server's backend on Postgres (src/backend.ts): the Postgres store, the bulk writes as
 * transactions of this pool (no writer thread: the database serves them), /health asking the
 * server, and the rate budget shared by every instance on the database. Stateless: any number of
 * instances may serve one database.
 */
import { postgresWebhookQueue } from './webhooks';
import type { Backend, SharedBudget } from '../../backend';
import type { OpenedPostgres } from '../../db/postgres';
import type { RateLimitConfig } from '../../rate-limit';
import { DEMO_CLIENT_ID } from '../../services/demo';
import pg from 'pg';
import { expireApprovalsPg } from './expiry';
import { HISTORY_CHANNEL } from './history';
import { postgresHealthCheck } from './health';
import { postgresStore } from './index';
import { SharedRateBudget } from './rate-budget';
import { findClient } from './tenancy';
import { listClients } from './tenants';
import { asStoreError } from './transaction';
import { postgresWriter } from './writer';

export interface PostgresBackendOptions {
  /** When given, the per-token budget is kept in the database and shared by every instance. */
  rateLimits?: Pick<RateLimitConfig, 'rateLimitPerSecond' | 'rateLimitBurst'>;
  log?: (error: unknown) => void;
}

/** The shared budget's failures as a caller sees them: a database that is away is UNAVAILABLE. */
function guardedBudget(budget: SharedRateBudget): SharedBudget {
  const guard = (error: unknown): never => {
    throw asStoreError(error);
  };
  return {
    take: (key, cost) => budget.take(key, cost).catch(guard),
    charge: (key, units) => budget.charge(key, units).catch(guard),
  };
}

/**
 * How many of one request's store calls run at once on a pool of `poolSize`: a quarter of the pool
 * (at least one), so three requests with many list fields leave connections for the rest.
 */
export function callsPerRequestFor(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize / 4));
}

export function postgresBackend(opened: OpenedPostgres, options: PostgresBackendOptions = {}): Backend {
  const { db, pool } = opened;
  return {
    kind: 'postgres',
    store: postgresStore(db),
    writer: postgresWriter(db),
    webhookQueue: postgresWebhookQueue(db),
    expireApprovals: (now) => expireApprovalsPg(db, now),
    callsPerRequest: callsPerRequestFor(pool.options.max ?? 10),
    health: postgresHealthCheck(pool, options.log ? { log: options.log } : {}),
    exampleClientId: async () => ((await findClient(db, DEMO_CLIENT_ID)) ? DEMO_CLIENT_ID : ((await listClients(db, { limit: 1 }))[0]?.id ?? null)),
    listenHistory: (wake, onError) => listenHistory(pool, wake, onError),
    ...(options.rateLimits ? { sharedBudget: guardedBudget(new SharedRateBudget(pool, options.rateLimits)) } : {}),
  };
}

/**
 * LISTEN on the history channel over a connection of its own (not the pool's: it stays open), for
 * the live streams of this instance (src/live/hub.ts). A lost connection is told to `onError`; the
 * streams then rely on their poll until the hub listens again.
 */
async function listenHistory(pool: pg.Pool, wake: (clientId: string) => void, onError: (error: unknown) => void): Promise<() => Promise<void>> {
  const client = new pg.Client(pool.options);
  let stopped = false;
  client.on('notification', (message) => {
    if (message.channel === HISTORY_CHANNEL && message.payload) wake(message.payload);
  });
  client.on('error', (error) => {
    if (stopped) return;
    stopped = true;
    onError(error);
    client.end().catch(() => {});
  });
  await client.connect();
  await client.query(`LISTEN ${HISTORY_CHANNEL}`);
  return async () => {
    if (stopped) return;
    stopped = true;
    await client.end();
  };
}
