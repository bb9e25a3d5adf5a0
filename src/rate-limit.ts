import { createHash } from 'node:crypto';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from './config';

export type RateLimitConfig = Pick<Config, 'rateLimitPerSecond' | 'rateLimitBurst' | 'maxInFlightPerToken'>;

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

interface Bucket {
  units: number;
  at: number;
  inFlight: number;
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
 * `maxInFlightPerToken` requests of one token execute at once. Requests
 * without a token share a bucket per remote address.
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

  private bucket(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // At most once a second: a flood of new keys must not make every request walk the map.
      if (this.buckets.size >= SWEEP_ABOVE && now - this.lastSweep >= 1000) this.sweep(now);
      bucket = { units: this.config.rateLimitBurst, at: now, inFlight: 0 };
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
      if (b.inFlight === 0 && refilled >= this.config.rateLimitBurst) this.buckets.delete(key);
    }
  }

  /** Before parsing: refuse at once while `key` is in debt or at its concurrency bound, so a refusal costs almost nothing. */
  precheck(key: string): { retryAfter: number; reason: string } | null {
    const bucket = this.bucket(key);
    if (bucket.inFlight >= this.config.maxInFlightPerToken) {
      return { retryAfter: 1, reason: `more than ${this.config.maxInFlightPerToken} requests of this token at once` };
    }
    if (bucket.units < 1) {
      return { retryAfter: Math.max(1, Math.ceil((1 - bucket.units) / this.config.rateLimitPerSecond)), reason: `this token's budget of ${this.config.rateLimitPerSecond} units per second is spent` };
    }
    return null;
  }

  /** Why `key` cannot start a request of `cost` now, or null when it can (nothing is taken). */
  refusal(key: string, cost: number): { retryAfter: number; reason: string } | null {
    return this.refusalFor(this.bucket(key), cost);
  }

  private refusalFor(bucket: Bucket, cost: number): { retryAfter: number; reason: string } | null {
    if (bucket.inFlight >= this.config.maxInFlightPerToken) {
      return { retryAfter: 1, reason: `more than ${this.config.maxInFlightPerToken} requests of this token at once` };
    }
    const needed = Math.min(cost, this.config.rateLimitBurst);
    if (bucket.units < needed) {
      const retryAfter = Math.max(1, Math.ceil((needed - bucket.units) / this.config.rateLimitPerSecond));
      return { retryAfter, reason: `this token's budget of ${this.config.rateLimitPerSecond} units per second is spent (this request costs ${cost})` };
    }
    return null;
  }

  /** Takes `cost` from `key`'s budget and a concurrency slot, or returns the seconds to wait. */
  acquire(key: string, cost: number): { ok: true; release: () => void } | { ok: false; retryAfter: number; reason: string } {
    const bucket = this.bucket(key);
    const refused = this.refusalFor(bucket, cost);
    if (refused) return { ok: false, ...refused };
    bucket.units -= cost;
    bucket.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        bucket.inFlight--;
      },
    };
  }
}

/** The one place a request is refused for its rate (a metrics counter belongs here). */
function rateLimitRefusal(retryAfter: number, reason: string): GraphQLError {
  return new GraphQLError(`Rate limited: ${reason}. Nothing was executed; retry after ${retryAfter} s.`, {
    // spec: false: refused in place of validation, Yoga would otherwise take it for a validation error (200 under application/json).
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, spec: false, headers: { 'Retry-After': String(retryAfter) } } },
  });
}

/**
 * Whose budget a request spends: its bearer credential (hashed, so the map
 * holds no secrets), or without one, its remote address. An unknown token
 * gets a bucket like any other; it is refused (401) before executing anyway.
 */
function budgetKey(request: Request, serverContext: unknown): string {
  const authorization = request.headers.get('authorization');
  if (authorization) return `credential:${createHash('sha256').update(authorization).digest('base64url')}`;
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return `address:${req?.socket?.remoteAddress ?? 'unknown'}`;
}

/** Paths that only report on the process; never throttled, so probes work while a token hammers. */
const PROBES = new Set(['/livez', '/health']);

/**
 * Charges each operation to its token before it executes; refused ones run
 * nothing (HTTP 429, Retry-After). A token already in debt, or at its
 * concurrency bound, is turned away when its request arrives, before its body
 * is read or its document parsed, so refusing costs almost nothing. A request
 * its token cannot afford is refused once parsed, before it is validated:
 * a token hammering 1,000-id calls has a unit or two most of the time, and
 * validating each refused 40 KB document again took a quarter of the server
 * thread (bench/fairness.ts profile).
 */
export function useRateLimit(config: RateLimitConfig, onRefused?: () => void): Plugin {
  const limiter = new RateLimiter(config);
  return {
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (PROBES.has(url.pathname)) return;
      const refused = limiter.precheck(budgetKey(request, serverContext));
      if (!refused) return;
      onRefused?.();
      const { message, extensions } = rateLimitRefusal(refused.retryAfter, refused.reason);
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: extensions.code, retryAfter: extensions.retryAfter } }] }), {
          status: 429,
          headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(refused.retryAfter) },
        }),
      );
    },
    onValidate({ context, params, setResult }) {
      const request = context as { request: Request; params?: { variables?: Record<string, unknown> | null } };
      const refused = limiter.refusal(budgetKey(request.request, request), requestCost(params.documentAST, request.params?.variables ?? undefined));
      if (!refused) return;
      onRefused?.();
      setResult([rateLimitRefusal(refused.retryAfter, refused.reason)]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request: Request };
      const taken = limiter.acquire(budgetKey(context.request, context), requestCost(args.document, args.variableValues ?? undefined));
      if (!taken.ok) {
        onRefused?.();
        setResultAndStopExecution({ errors: [rateLimitRefusal(taken.retryAfter, taken.reason)] });
        return;
      }
      return { onExecuteDone: () => taken.release() };
    },
  };
}
