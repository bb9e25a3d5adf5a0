/**
 * Once per test run: compiles the server as `npm start` does, for the tests that start it as a process
 * (test/helpers/server.ts), into a folder of this run's own, removed when the run ends.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer, startFlags } from '../scripts/build.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The compiled server's entry file. */
    serverBundle: string;
    /** The node flags `npm start` gives it. */
    serverFlags: string[];
  }
}

let outdir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  outdir = (await buildServer({ outdir: `dist/test-${process.pid}` })) as string;
  project.provide('serverBundle', `${outdir}/server.mjs`);
  project.provide('serverFlags', startFlags() as string[]);
}

export function teardown(): void {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
}
