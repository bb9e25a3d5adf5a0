/**
 * Section 6: peak RSS of a fresh service process serving N = 10,000 bulk calls (see memory-child.ts).
 * The child is compiled as `npm start` compiles the server (scripts/build.mjs) and runs on plain node
 * with npm start's node flags, so the figure is the deployed process's, not tsx's loader's.
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer, startFlags } from '../scripts/build.mjs';
import type { Dataset } from './datasets';
import type { MemoryReport } from './memory-child';

export async function benchMemory(dataset: Dataset, n: number): Promise<MemoryReport> {
  const outdir = (await buildServer({ outdir: join('dist', `bench-memory-${process.pid}`), entryPoints: ['bench/memory-child.ts'] })) as string;
  try {
    return await new Promise((resolve, reject) => {
      const child = fork(join(outdir, 'memory-child.mjs'), [dataset.path, dataset.token, String(n)], {
        // The flags npm start runs the server with (the young generation's size among them).
        execArgv: startFlags() as string[],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let report: MemoryReport | undefined;
      child.on('message', (message: MemoryReport) => (report = message));
      child.on('error', reject);
      child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`memory child exited (${code}) without a report`))));
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
