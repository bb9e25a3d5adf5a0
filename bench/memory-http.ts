/**
 * Section 6, over HTTP on both stores: the peak resident set of the compiled server, started as
 * `npm start` starts it (bench/postgres-http.ts: startBenchServer, npm start's node flags), through
 * `calls` bulk calls of N ids (approve and remove in turn, each changing every id), on a SQLite
 * file and on Postgres. The peak is the kernel's high-water mark of the server process
 * (/proc/<pid>/status VmHWM), so it covers the HTTP layer and the writer thread, and every
 * synchronous stretch a sampler would miss.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { openPostgres } from '../src/db/postgres';
import { createToken as createPgToken } from '../src/store/postgres/tokens';
import { startTestPostgres } from '../test/helpers/postgres-server';
import { clientId, idsFor, type Dataset } from './datasets';
import { buildBenchServer, graphqlData, startBenchServer, type BenchServer } from './postgres-http';

export interface HttpMemoryRun {
  store: 'sqlite' | 'postgres';
  n: number;
  calls: number;
  /** The server's RSS once it serves, before the first call (MB). */
  rssBeforeMb: number;
  /** The server's peak RSS (VmHWM) after the calls (MB): the figure held to the target. */
  peakMb: number;
  seconds: number;
}

/** VmRSS and VmHWM of a process, in MB. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const mutation = (field: string) =>
  `mutation Bulk($clientId: ID!, $appIds: [ID!]!) { ${field}(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } } }`;

async function drive(server: BenchServer, store: HttpMemoryRun['store'], token: string, n: number, calls: number): Promise<HttpMemoryRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const { ids, known } = idsFor(n, 1);
    const before = memoryOf(server.pid);
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      const field = i % 2 === 0 ? 'approveApps' : 'removeAppApprovals';
      const payload = JSON.stringify({ query: mutation(field), variables: { clientId: clientId(1), appIds: ids } });
      const { data } = await graphqlData<Record<string, { succeeded: string[] }>>(agent, server.base, token, payload);
      if (data[field]!.succeeded.length !== known) throw new Error(`${store}: ${field} succeeded for ${data[field]!.succeeded.length} of ${known} ids`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { store, n, calls, rssBeforeMb: before.rssMb, peakMb: memoryOf(server.pid).peakMb, seconds };
  } finally {
    agent.destroy();
  }
}

/** `sqlite`: a dataset of the catalog (20,000 apps, no history); Postgres gets the same catalog and its own token. */
export async function benchHttpMemory(sqlite: Dataset, n: number, calls: number): Promise<HttpMemoryRun[]> {
  const bundle = await buildBenchServer();
  const env = { APPGOV_MAX_BULK_IDS: String(n) };
  const runs: HttpMemoryRun[] = [];
  try {
    const onSqlite = await startBenchServer(bundle.bundle, { ...env, APPGOV_DB: sqlite.path });
    try {
      runs.push(await drive(onSqlite, 'sqlite', sqlite.token, n, calls));
    } finally {
      await onSqlite.stop();
    }

    const postgres = await startTestPostgres({ durable: true });
    const stopOnExit = () => postgres.stop();
    process.once('exit', stopOnExit);
    try {
      const db = await openPostgres(postgres.url, { poolSize: 2 });
      let token: string;
      try {
        await db.pool.query('INSERT INTO clients (id, name, created_at) VALUES ($1, $2, $3)', [clientId(1), 'Client 1', Date.now()]);
        const seeder = await db.pool.connect();
        try {
          await seeder.query('SET statement_timeout = 0');
          await seeder.query(
            `INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
             SELECT 'a0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'app-' || i, 'App ' || i, '[]'::jsonb, 0, false FROM generate_series(1, $1) AS i`,
            [sqlite.shape.apps],
          );
          await seeder.query('ANALYZE');
        } finally {
          seeder.release();
        }
        token = (await createPgToken(db.db, { kind: 'internal', name: 'bench token' })).token;
      } finally {
        await db.close();
      }
      const onPostgres = await startBenchServer(bundle.bundle, { ...env, APPGOV_DATABASE_URL: postgres.url });
      try {
        runs.push(await drive(onPostgres, 'postgres', token, n, calls));
      } finally {
        await onPostgres.stop();
      }
    } finally {
      process.off('exit', stopOnExit);
      postgres.stop();
    }
  } finally {
    bundle.remove();
  }
  return runs;
}
