import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operation names are chosen by callers: past this many distinct ones, the rest share one label. */
const MAX_OPERATION_LABELS = 100;
export const OPERATION_OVERFLOW = '(other)';

/** What a bulk call returns, as far as counting goes. */
export interface BulkOutcome {
  succeeded: readonly string[];
  changed: readonly string[];
  failed: readonly unknown[];
}

/**
 * One server's Prometheus metrics, on its own registry (never prom-client's
 * global one), so several servers in one process, and tests, do not collide.
 * No default process metrics: their GC observer cost several percent of a
 * small read (bench/observability.ts), and the platform measures the process.
 */
export interface AppgovMetrics {
  readonly registry: Registry;
  /** One GraphQL request: `operation` is its name, `outcome` "ok" or an error code. */
  observeRequest(operation: string, outcome: string, seconds: number): void;
  /** The ids one (non-dry-run) bulk call processed, by what happened to them. */
  recordBulkIds(mutation: string, outcome: BulkOutcome): void;
  /** A request refused by the rate limiter. */
  recordRateLimited(): void;
  /** A statement that found the database busy and waited (`seconds`, when known) before retrying. */
  recordDatabaseBusyWait(seconds?: number): void;
  /** Reads the number of open subscription streams at each scrape. */
  watchLiveStreams(open: () => number): void;
  /** One webhook delivery attempt: `delivered` (a 2xx answer) or `failed`. */
  recordWebhookAttempt(outcome: 'delivered' | 'failed'): void;
}

export function createMetrics(): AppgovMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'appgov_graphql_requests_total',
    help: 'GraphQL requests, by operation name and outcome ("ok" or the error code; INTERNAL_SERVER_ERROR wins over others).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'appgov_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to its response, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bulkIds = new Counter({
    name: 'appgov_bulk_ids_total',
    help: 'Ids processed by bulk calls (dry runs excluded), by mutation and result: changed, unchanged (already in that state) or failed.',
    labelNames: ['mutation', 'result'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'appgov_rate_limited_total',
    help: 'Requests refused by the rate limiter.',
    registers: [registry],
  });
  const busyWaits = new Counter({
    name: 'appgov_database_busy_waits_total',
    help: 'Times a statement found the database busy and waited before retrying.',
    registers: [registry],
  });
  const busySeconds = new Counter({
    name: 'appgov_database_busy_wait_seconds_total',
    help: 'Time spent waiting on a busy database.',
    registers: [registry],
  });

  const webhookAttempts = new Counter({
    name: 'appgov_webhook_attempts_total',
    help: 'Webhook delivery attempts this instance made, by outcome (delivered: a 2xx answer; failed: anything else).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  let liveStreams: () => number = () => 0;
  new Gauge({
    name: 'appgov_live_streams',
    help: 'Subscription streams open on this instance.',
    registers: [registry],
    collect() {
      this.set(liveStreams());
    },
  });

  // Children are looked up per request: keep them instead of hashing the labels every time.
  const children = new Map<string, { count: Counter.Internal; time: Histogram.Internal<'operation' | 'outcome'> }>();
  const operations = new Set<string>();

  return {
    registry,
    observeRequest(operation, outcome, seconds) {
      if (!operations.has(operation)) {
        if (operations.size >= MAX_OPERATION_LABELS) operation = OPERATION_OVERFLOW;
        else operations.add(operation);
      }
      const key = `${operation}\n${outcome}`;
      let child = children.get(key);
      if (!child) {
        child = { count: requests.labels(operation, outcome), time: durations.labels(operation, outcome) };
        children.set(key, child);
      }
      child.count.inc();
      child.time.observe(seconds);
    },
    recordBulkIds(mutation, outcome) {
      const counts = {
        changed: outcome.changed.length,
        unchanged: outcome.succeeded.length - outcome.changed.length,
        failed: outcome.failed.length,
      };
      for (const [result, count] of Object.entries(counts)) {
        if (count > 0) bulkIds.labels(mutation, result).inc(count);
      }
    },
    recordRateLimited() {
      rateLimited.inc();
    },
    recordDatabaseBusyWait(seconds) {
      busyWaits.inc();
      if (seconds !== undefined && seconds > 0) busySeconds.inc(seconds);
    },
    watchLiveStreams(open) {
      liveStreams = open;
    },
    recordWebhookAttempt(outcome) {
      webhookAttempts.labels(outcome).inc();
    },
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * GET /metrics in Prometheus text format, only with `Authorization: Bearer
 * <APPGOV_METRICS_TOKEN>` (compared in constant time); anything else is 401.
 */
export function useMetricsEndpoint(metrics: AppgovMetrics, token: string): Plugin {
  const expected = digest(`Bearer ${token}`);
  return {
    // Synchronous for every other path: an async hook would put each request through a promise.
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return undefined;
      const given = request.headers.get('authorization');
      if (given === null || !timingSafeEqual(digest(given.trim()), expected)) {
        endResponse(
          new fetchAPI.Response('metrics need "Authorization: Bearer <APPGOV_METRICS_TOKEN>"\n', {
            status: 401,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' },
          }),
        );
        return undefined;
      }
      return metrics.registry.metrics().then((text) =>
        endResponse(new fetchAPI.Response(text, { status: 200, headers: { 'content-type': metrics.registry.contentType } })),
      );
    },
  };
}
