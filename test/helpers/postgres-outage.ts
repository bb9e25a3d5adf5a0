/**
 * Outages of a throwaway Postgres server of a test's own (startTestPostgres), without blocking the
 * test's event loop: `pg_ctl stop` in fast or immediate mode and `pg_ctl start` again on the same
 * data, port and settings, run asynchronously so that answers arriving meanwhile are timed as
 * they arrive (the helper's own halt/resume are synchronous). The server's folder, port and
 * settings are read from the server itself before the first stop.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBin } from './postgres-server';

const run = promisify(execFile);

export interface Outage {
  /** `fast`: active transactions are rolled back and their connections closed; `immediate`: the server is killed (crash recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
}

export async function outageOf(adminUrl: string): Promise<Outage> {
  const bin = postgresBin();
  if (!bin) throw new Error('Postgres is not installed');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const setting = async (name: string) => String((await client.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v);
  let data: string;
  let options: string;
  try {
    data = await setting('data_directory');
    const [port, sockets, fsync, maxConnections] = [await setting('port'), await setting('unix_socket_directories'), await setting('fsync'), await setting('max_connections')];
    options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=${fsync} -c max_connections=${maxConnections}`;
  } finally {
    await client.end();
  }
  // initdb and postgres refuse to run as root: as root they run as the postgres user (as startTestPostgres does).
  const asRoot = process.getuid?.() === 0;
  const pgCtl = async (args: string[]) => {
    const file = join(bin, 'pg_ctl');
    await (asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args));
  };
  return {
    stop: (mode) => pgCtl(['-D', data, '-m', mode, '-w', 'stop']),
    start: () => pgCtl(['-D', data, '-l', join(dirname(data), 'log'), '-w', '-o', options, 'start']),
  };
}
