/**
 * The fastest of 15 runs of 20 calls each (after one warm-up): what the work
 * costs, with the least of other processes' noise in it. For growth ratios,
 * never for absolute targets.
 */
export function fastestOf(run: () => unknown): number {
  run();
  const samples: number[] = [];
  for (let r = 0; r < 15; r++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) run();
    samples.push(performance.now() - started);
  }
  return Math.min(...samples);
}

/** fastestOf for work that answers a promise (each call awaited before the next). */
export async function fastestOfAsync(run: () => Promise<unknown>): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let r = 0; r < 15; r++) {
    const started = performance.now();
    for (let i = 0; i < 20; i++) await run();
    samples.push(performance.now() - started);
  }
  return Math.min(...samples);
}
