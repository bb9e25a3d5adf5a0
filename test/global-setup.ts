/**
 * Once per test run: compiles the server as `npm start` does, for the tests that start it as a process
 * (test/helpers/server.ts), into a folder of this run's own, and starts a throwaway Postgres server
 * (test/helpers/postgres-server.ts); both are removed when the run ends.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startTestPostgres, type TestPostgres } from './helpers/postgres-server';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer, startFlags } from '../scripts/build.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The compiled server's entry file. */
    serverBundle: string;
    /** The node flags `npm start` gives it. */
    serverFlags: string[];
    /** An admin URL of this run's Postgres server (test/helpers/postgres-server.ts). */
    postgresUrl: string;
  }
}

let outdir: string | undefined;
let postgres: TestPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  outdir = (await buildServer({ outdir: `dist/test-${process.pid}` })) as string;
  project.provide('serverBundle', `${outdir}/server.mjs`);
  project.provide('serverFlags', startFlags() as string[]);
  postgres = await startTestPostgres();
  project.provide('postgresUrl', postgres.url);
}

export function teardown(): void {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  postgres?.stop();
}
