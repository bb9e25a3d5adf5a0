/**
 * A throwaway Postgres server for the test run: Debian's Postgres (`.ci/run` installs it when
 * `initdb` is missing), a fresh cluster in a temporary folder on a free loopback port, fsync off
 * (tests prove behaviour, not durability), stopped and removed when the run ends. Given
 * APPGOV_TEST_DATABASE_URL, the tests use that server instead and start none.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface TestPostgres {
  /** An admin URL (database `postgres`): tests create a database of their own on it. */
  url: string;
  /** Stops the server and removes its files. */
  stop(): void;
  /** Fault tests: stops the server (fast shutdown) keeping its files, and starts it again on the same port and data. */
  halt?(): void;
  resume?(): void;
  /** The same without blocking the test's event loop (answers arriving meanwhile are timed as they arrive); `immediate` kills the server (crash recovery at the next start). */
  outage?: { stop(mode: 'fast' | 'immediate'): Promise<void>; start(): Promise<void> };
}

/** The newest installed Postgres's bin folder, or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1)!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** `durable`: fsync and synchronous_commit on, as a production server runs (the bench); the tests run with fsync off. */
export async function startTestPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const given = process.env.APPGOV_TEST_DATABASE_URL;
  if (given) return { url: given, stop: () => {} };
  const bin = postgresBin();
  if (!bin) throw new Error('Postgres is not installed (no /usr/lib/postgresql/*/bin/initdb): run .ci/run, or set APPGOV_TEST_DATABASE_URL');
  const dir = mkdtempSync(join(tmpdir(), 'appgov-pg-'));
  // initdb and postgres refuse to run as root: as root they run as the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const command = (file: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, file), ...args]] : [join(bin, file), args];
  const run = (file: string, args: string[]) => execFileSync(...command(file, args), { stdio: 'pipe' });
  const runAsync = async (file: string, args: string[]) => {
    await execFileAsync(...command(file, args));
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const startArgs = ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${options.durable ? '' : ' -c fsync=off'} -c max_connections=200`, 'start'];
  const stopArgs = (mode: 'fast' | 'immediate') => ['-D', data, '-m', mode, '-w', 'stop'];
  run('pg_ctl', startArgs);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt: () => run('pg_ctl', stopArgs('fast')),
    resume: () => run('pg_ctl', startArgs),
    outage: { stop: (mode) => runAsync('pg_ctl', stopArgs(mode)), start: () => runAsync('pg_ctl', startArgs) },
    stop() {
      try {
        run('pg_ctl', stopArgs('immediate'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
