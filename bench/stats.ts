/** Order statistics over latency samples (milliseconds). */
export interface Summary {
  samples: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile: the smallest sample with at least `p`% of samples at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    median: median(sorted),
    p95: percentile(sorted, 95),
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
}

/** Milliseconds taken by `work`, which may be async. */
export async function timed<T>(work: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/**
 * Lets the event loop turn between samples (outside any timed region). A
 * request through yoga.fetch resolves in microtasks only, so a loop of them
 * would otherwise never let a signal (Ctrl-C) or a timer through.
 */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A figure over rounds: its median, quartiles (nearest rank) and range. */
export interface Spread {
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), p25: percentile(sorted, 25), p75: percentile(sorted, 75), min: sorted[0]!, max: sorted.at(-1)! };
}

/**
 * Paired rounds: `a[i]` and `b[i]` were measured in the same round (the same work, alternating
 * order), so each round's ratio has the machine's drift of that round on both sides. The spread of
 * those per-round ratios, not the ratio of the two medians.
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): Spread {
  if (a.length !== b.length || a.length === 0) throw new Error(`paired ratios of ${a.length} and ${b.length} rounds`);
  return spread(a.map((x, i) => x / b[i]!));
}
