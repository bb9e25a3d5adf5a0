import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from './auth/principal';
import { requestPrincipal, settledPrincipal, type PrincipalResolver } from './auth/tokens';
import type { Config } from './config';
import { UnauthenticatedError } from './errors';
import type { RouteTable } from './routes/compile';
import { refusalReply } from './routes/refusal';
import { scanUnits, type CatalogScanBudget } from './services/catalog-scan';

export type RateLimitConfig = Pick<Config, 'rateLimitPerSecond' | 'rateLimitBurst' | 'maxInFlightPerToken' | 'maxQueuedPerToken' | 'queueWaitMs'>;

/** Array items anywhere in a variable value. An explicit stack: a value nested 50,000 deep must not overflow the call stack. */
export function countItems(value: unknown): number {
  let items = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (Array.isArray(next)) {
      items += next.length;
      for (const item of next) stack.push(item);
    } else if (next && typeof next === 'object') {
      for (const item of Object.values(next)) stack.push(item);
    }
  }
  return items;
}

/**
 * What a request costs against its token's budget: 1, plus every item of
 * every list it passes (inline or in variables). A bulk call of 1,000 ids
 * costs 1,001; a read costs about 1. Counting is linear in the document.
 */
export function requestCost(document: DocumentNode, variables: Record<string, unknown> | undefined): number {
  return 1 + documentItems(document) + countItems(variables ?? {});
}

/** Documents come from the parse cache, the same object per text: their lists are counted once. */
const itemsByDocument = new WeakMap<DocumentNode, number>();

function documentItems(document: DocumentNode): number {
  let items = itemsByDocument.get(document);
  if (items === undefined) {
    let counted = 0;
    visit(document, {
      [Kind.LIST]: (node) => {
        counted += node.values.length;
      },
    });
    items = counted;
    itemsByDocument.set(document, items);
  }
  return items;
}

export type Acquired = { ok: true; release: () => void } | { ok: false; retryAfter: number; reason: string };

interface Waiter {
  cost: number;
  settle: (result: Acquired) => void;
}

interface Bucket {
  units: number;
  at: number;
  inFlight: number;
  /** Requests waiting for one of the token's in-flight slots, first come first served. */
  queue: Waiter[];
}

/**
 * Above this many buckets, full idle ones are dropped (they hold nothing a fresh bucket would
 * not). A bucket refills within burst ÷ rate seconds, so the map holds about that long's keys.
 */
const SWEEP_ABOVE = 10_000;

/**
 * Per-token token buckets: `rateLimitPerSecond` units refill per second up to
 * `rateLimitBurst`. A request may start when its token's bucket holds its
 * cost (or is full, for a request larger than the burst); it may drive the
 * bucket into debt, which later requests wait out. At most
 * `maxInFlightPerToken` requests of one token execute at once; up to
 * `maxQueuedPerToken` more wait (first come, first served) for a slot, each
 * for at most `queueWaitMs`, and only a request past both is refused. Keys
 * are chosen by the caller (the plugin below: the token, or the remote address).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = -Infinity;
  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How many keys hold a bucket. */
  get size(): number {
    return this.buckets.size;
  }

  /** How many requests of `key` wait for a slot. */
  waiting(key: string): number {
    return this.buckets.get(key)?.queue.length ?? 0;
  }

  private bucket(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // At most once a second: a flood of new keys must not make every request walk the map.
      if (this.buckets.size >= SWEEP_ABOVE && now - this.lastSweep >= 1000) this.sweep(now);
      bucket = { units: this.config.rateLimitBurst, at: now, inFlight: 0, queue: [] };
      this.buckets.set(key, bucket);
    }
    bucket.units = Math.min(this.config.rateLimitBurst, bucket.units + ((now - bucket.at) / 1000) * this.config.rateLimitPerSecond);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      const refilled = b.units + ((now - b.at) / 1000) * this.config.rateLimitPerSecond;
      if (b.inFlight === 0 && b.queue.length === 0 && refilled >= this.config.rateLimitBurst) this.buckets.delete(key);
    }
  }

  private queueFull(bucket: Bucket): boolean {
    return bucket.inFlight >= this.config.maxInFlightPerToken && bucket.queue.length >= this.config.maxQueuedPerToken;
  }

  private inFlightRefusal(waited = false): { retryAfter: number; reason: string } {
    const { maxInFlightPerToken: slots, maxQueuedPerToken: queued, queueWaitMs } = this.config;
    if (waited) return { retryAfter: 1, reason: `no slot of this token's ${slots} in flight came free within ${queueWaitMs} ms` };
    return { retryAfter: 1, reason: `more than ${slots} requests of this token at once${queued > 0 ? ` and ${queued} waiting` : ''}` };
  }

  /** Before parsing: refuse at once while `key` is in debt or its slots and queue are full, so a refusal costs almost nothing. */
  precheck(key: string): { retryAfter: number; reason: string } | null {
    const bucket = this.bucket(key);
    if (this.queueFull(bucket)) return this.inFlightRefusal();
    if (bucket.units < 1) {
      return { retryAfter: Math.max(1, Math.ceil((1 - bucket.units) / this.config.rateLimitPerSecond)), reason: `this token's budget of ${this.config.rateLimitPerSecond} units per second is spent` };
    }
    return null;
  }

  /** Why `key` cannot start (or queue) a request of `cost` now, or null when it can (nothing is taken). */
  refusal(key: string, cost: number): { retryAfter: number; reason: string } | null {
    const bucket = this.bucket(key);
    return this.queueFull(bucket) ? this.inFlightRefusal() : this.budgetRefusal(bucket, cost);
  }

  /** Takes `units` from `key`'s budget without a slot (a request that will not execute, e.g. an unknown token's). */
  charge(key: string, units: number): void {
    this.bucket(key).units -= units;
  }

  private budgetRefusal(bucket: Bucket, cost: number): { retryAfter: number; reason: string } | null {
    const needed = Math.min(cost, this.config.rateLimitBurst);
    if (bucket.units < needed) {
      const retryAfter = Math.max(1, Math.ceil((needed - bucket.units) / this.config.rateLimitPerSecond));
      return { retryAfter, reason: `this token's budget of ${this.config.rateLimitPerSecond} units per second is spent (this request costs ${cost})` };
    }
    return null;
  }

  /** Takes `cost` from `key`'s budget and a concurrency slot now, or returns the seconds to wait (never queues). */
  acquire(key: string, cost: number): Acquired {
    const bucket = this.bucket(key);
    const refused = this.budgetRefusal(bucket, cost);
    if (refused) return { ok: false, ...refused };
    if (bucket.inFlight >= this.config.maxInFlightPerToken) return { ok: false, ...this.inFlightRefusal() };
    bucket.units -= cost;
    bucket.inFlight++;
    return { ok: true, release: this.releaser(bucket) };
  }

  /**
   * Like `acquire`, but with every slot taken, waits in the token's queue (its cost held
   * meanwhile) for up to `queueWaitMs`; refused with the seconds to wait when the budget is
   * spent, the queue is full, the wait ran out or `signal` aborted (a refused request's cost is
   * given back).
   */
  acquireOrWait(key: string, cost: number, signal?: AbortSignal): Acquired | Promise<Acquired> {
    const bucket = this.bucket(key);
    const refused = this.budgetRefusal(bucket, cost);
    if (refused) return { ok: false, ...refused };
    if (bucket.inFlight < this.config.maxInFlightPerToken) {
      bucket.units -= cost;
      bucket.inFlight++;
      return { ok: true, release: this.releaser(bucket) };
    }
    if (bucket.queue.length >= this.config.maxQueuedPerToken || this.config.queueWaitMs === 0 || signal?.aborted) {
      return { ok: false, ...this.inFlightRefusal() };
    }
    bucket.units -= cost;
    return new Promise<Acquired>((resolve) => {
      const giveUp = (result: Acquired) => {
        const at = bucket.queue.indexOf(waiter);
        if (at < 0) return;
        bucket.queue.splice(at, 1);
        bucket.units = Math.min(this.config.rateLimitBurst, bucket.units + cost);
        waiter.settle(result);
      };
      const onAbort = () => giveUp({ ok: false, retryAfter: 1, reason: 'the request was aborted while it waited for a slot' });
      const timer = setTimeout(() => giveUp({ ok: false, ...this.inFlightRefusal(true) }), this.config.queueWaitMs);
      const waiter: Waiter = {
        cost,
        settle: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      bucket.queue.push(waiter);
    });
  }

  /** A slot's release: handed straight to the first waiter, if any (its cost was taken when it queued). */
  private releaser(bucket: Bucket): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = bucket.queue.shift();
      if (next) next.settle({ ok: true, release: this.releaser(bucket) });
      else bucket.inFlight--;
    };
  }
}

/** The one place a request is refused for its rate (a metrics counter belongs here). */
function rateLimitRefusal(retryAfter: number, reason: string): GraphQLError {
  return new GraphQLError(rateLimitMessage(retryAfter, reason), {
    // spec: false: refused in place of validation, Yoga would otherwise take it for a validation error (200 under application/json).
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, spec: false, headers: { 'Retry-After': String(retryAfter) } } },
  });
}

function rateLimitMessage(retryAfter: number, reason: string): string {
  return `Rate limited: ${reason}. Nothing was executed; retry after ${retryAfter} s.`;
}

/** The remote address of the HTTP request behind a server context (`unknown` for in-process fetches). */
export function remoteAddressOf(serverContext: unknown): string {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.socket?.remoteAddress ?? 'unknown';
}

interface Budget {
  key: string;
  /** A credential was sent and is not a live token (malformed, unknown, revoked, expired). */
  badCredential: boolean;
  charged: boolean;
}

/** Paths that only report on the process; never throttled, so probes work while a token hammers. */
const PROBES = new Set(['/livez', '/health']);

export interface RateLimitOptions {
  /** How the store resolves a token (looked up once per request, shared with the request context). */
  resolvePrincipal: PrincipalResolver;
  /** The route table: a refusal before it runs answers in the protocol of the path. */
  table: RouteTable;
  onRefused?: () => void;
}

/**
 * Charges each operation to its token before it executes; refused ones run
 * nothing (HTTP 429, Retry-After). Whose budget: the token the request
 * authenticates as (however its header is spelled, or Slack's `token`
 * parameter), else its remote address; a credential that is not a live
 * token spends a unit of its address's budget, so guessing costs the
 * guesser. A token already in debt, or with its slots and queue full, is
 * turned away when its request arrives, before its body is read or its
 * document parsed, in the protocol of the path (Slack, REST, GraphQL). A
 * request its token cannot afford is refused once parsed, before it is
 * validated: a token hammering 1,000-id calls has a unit or two most of the
 * time, and validating each refused 40 KB document again took a quarter of
 * the server thread (bench/fairness.ts profile).
 */
export function useRateLimit(config: RateLimitConfig, options: RateLimitOptions): Plugin {
  const limiter = new RateLimiter(config);
  const budgets = new WeakMap<Request, Budget>();
  /** The request's budget, once its principal's lookup is done (usePrincipalLookup, or the route for a request of its own). */
  const budgetOf = (request: Request, serverContext: unknown): Budget => {
    let budget = budgets.get(request);
    if (!budget) {
      let principal: Principal | null | undefined = null;
      let badCredential = false;
      try {
        principal = settledPrincipal(request);
      } catch (error) {
        // Anything else (a closed database) is the request context's to report.
        badCredential = error instanceof UnauthenticatedError;
      }
      budget = { key: principal ? `token:${principal.tokenId}` : `address:${remoteAddressOf(serverContext)}`, badCredential, charged: false };
      budgets.set(request, budget);
    }
    return budget;
  };
  const chargeGuess = (budget: Budget) => {
    if (!budget.badCredential || budget.charged) return;
    budget.charged = true;
    limiter.charge(budget.key, 1);
  };
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (PROBES.has(url.pathname)) return;
      await requestPrincipal(options.resolvePrincipal, request).catch(() => null);
      const budget = budgetOf(request, serverContext);
      const refused = limiter.precheck(budget.key);
      if (!refused) {
        chargeGuess(budget);
        return;
      }
      options.onRefused?.();
      const reply = refusalReply(options.table, url.pathname, {
        code: 'RATE_LIMITED',
        message: rateLimitMessage(refused.retryAfter, refused.reason),
        details: { retryAfter: refused.retryAfter },
      });
      endResponse(new fetchAPI.Response(reply.body, { status: reply.status, headers: reply.headers }));
    },
    onValidate({ context, params, setResult }) {
      const request = context as { request: Request; params?: { variables?: Record<string, unknown> | null } };
      const budget = budgetOf(request.request, request);
      const refused = limiter.refusal(budget.key, requestCost(params.documentAST, request.params?.variables ?? undefined));
      if (!refused) {
        chargeGuess(budget);
        return;
      }
      options.onRefused?.();
      setResult([rateLimitRefusal(refused.retryAfter, refused.reason)]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request: Request; principal?: { tokenId: string } | null; catalogScan?: CatalogScanBudget };
      const key = context.principal ? `token:${context.principal.tokenId}` : budgetOf(context.request, context).key;
      const settle = (taken: Acquired) => {
        if (!taken.ok) {
          options.onRefused?.();
          setResultAndStopExecution({ errors: [rateLimitRefusal(taken.retryAfter, taken.reason)] });
          return;
        }
        return {
          onExecuteDone: () => {
            taken.release();
            // The catalog rows its searches read (priced before they ran), charged once it ran: later requests wait it out.
            const owed = scanUnits(context.catalogScan?.spent ?? 0);
            if (owed > 0) limiter.charge(key, owed);
          },
        };
      };
      const taken = limiter.acquireOrWait(key, requestCost(args.document, args.variableValues ?? undefined), context.request.signal);
      // A free slot is taken synchronously: only a request that waits for one pays an await.
      return taken instanceof Promise ? taken.then(settle) : settle(taken);
    },
  };
}
