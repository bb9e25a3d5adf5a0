import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Config } from '../../src/config';
import { openDatabase, type OpenedDatabase } from '../../src/db/open';
import { createAppgovYoga, type AppgovYoga } from '../../src/yoga';
import { issueToken, seedTenant } from './db';

/** A file database (locks and /health need a real file) with two tenants and their tokens. */
export function fileTenants(config: Partial<Config> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-abuse-'));
  const path = join(dir, 'appgov.db');
  const database: OpenedDatabase = openDatabase(path, { dbBusyTimeoutMs: 10 });
  const a = seedTenant(database.db, { clientNumber: 1, appCount: 50 });
  const b = seedTenant(database.db, { clientNumber: 2, appCount: 0 });
  const hammer = issueToken(database.db, 'client', a.clientId, ['apps:read', 'apps:write'], 'hammer').token;
  const reader = issueToken(database.db, 'client', b.clientId, ['apps:read'], 'other tenant').token;
  const yoga: AppgovYoga = createAppgovYoga({ db: database.db, config: { maxBulkIds: 1000, ...config }, file: database.file });
  return { dir, path, database, yoga, a, b, hammer, reader, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Bystanders {
  /** Milliseconds /livez took while the abuse ran. */
  livezMs: number;
  /** Milliseconds another tenant's small read took while the abuse ran, and its HTTP status. */
  readMs: number;
  readStatus: number;
  /** The event loop's longest stall over the whole run. */
  stallMs: number;
}

/**
 * Runs `abuse` and, shortly after it starts, a /livez and another tenant's
 * small read through the same server; returns the abuse's result and how
 * long the bystanders waited.
 */
export async function withBystanders<T>(
  yoga: AppgovYoga,
  reader: { token: string; clientId: string },
  abuse: () => Promise<T>,
  startAfterMs = 20,
): Promise<{ result: T; bystanders: Bystanders }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const running = abuse();
  await new Promise((resolve) => setTimeout(resolve, startAfterMs));
  const timed = async (work: () => Response | Promise<Response>) => {
    const started = performance.now();
    const response = await work();
    await response.text();
    return { ms: performance.now() - started, status: response.status };
  };
  const [livez, read] = await Promise.all([
    timed(() => yoga.fetch('http://appgov.test/livez')),
    timed(() =>
      yoga.fetch('http://appgov.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` },
        body: JSON.stringify({ query: `{ client(id: "${reader.clientId}") { name apps(first: 5) { nodes { id } } } }` }),
      }),
    ),
  ]);
  const result = await running;
  delay.disable();
  return { result, bystanders: { livezMs: livez.ms, readMs: read.ms, readStatus: read.status, stallMs: delay.max / 1e6 } };
}
