/** Section 6: peak RSS of a fresh service process serving N = 10,000 bulk calls (see memory-child.ts). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './datasets';
import type { MemoryReport } from './memory-child';

const CHILD_SCRIPT = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

export function benchMemory(dataset: Dataset, n: number): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD_SCRIPT, [dataset.path, dataset.token, String(n)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: MemoryReport | undefined;
    child.on('message', (message: MemoryReport) => (report = message));
    child.on('error', reject);
    child.on('exit', (code) => (report ? resolve(report) : reject(new Error(`memory child exited (${code}) without a report`))));
  });
}
