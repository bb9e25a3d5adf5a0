/**
 * Backups of both stores, as docs/deploy.md tells them: `appgov backup FILE` copies a SQLite file
 * while a server keeps writing to it, and pg_dump / pg_restore carry a Postgres database into a
 * fresh one. Each copy must be whole (SQLite's integrity check; every row) and be served as the
 * original is: the same answers to the same token, cursors included, and new writes on top.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/postgres';
import { createApp } from '../src/services/apps';
import { DEMO_APPS, DEMO_CLIENT_ID, seedDemoIfEmpty } from '../src/services/demo';
import { postgresBackend } from '../src/store/postgres/backend';
import { seedDemoIfEmptyPg } from '../src/store/postgres/demo';
import { createAppgovYoga } from '../src/yoga';
import { cliOn } from './helpers/cli';
import { gql } from './helpers/graphql';
import { freshPostgresDatabase } from './helpers/postgres';
import { postgresBin } from './helpers/postgres-server';
import { fencedBlocks, jsonValues, shellCommands, shellWords } from './helpers/readme';
import { startServer, stopServer, type StartedServer } from './helpers/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'appgov-backup-'));
const servers: StartedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => stopServer(s)));
  rmSync(dir, { recursive: true, force: true });
});

/** What a reader looks at after a restore: apps with their state and history, the client's history, and a second page by cursor. */
const READ = /* GraphQL */ `
  query Read($c: ID!, $after: String) {
    client(id: $c) {
      apps(first: 5, after: $after) {
        nodes { id name isApproved history(first: 2) { nodes { id type actor { name } } } }
        pageInfo { endCursor hasNextPage }
      }
      history(first: 10) { nodes { id type } }
    }
  }`;

async function post(base: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[] } };
}

/** The read and its second page, by the first page's cursor or by `cursor` (one the original gave): what must be the same on a copy. */
async function readTwice(base: string, token: string, cursor?: string) {
  const first = await post(base, token, READ, { c: DEMO_CLIENT_ID });
  const second = await post(base, token, READ, { c: DEMO_CLIENT_ID, after: cursor ?? first.body.data?.client.apps.pageInfo.endCursor });
  return [first, second];
}

describe('appgov backup (SQLite)', () => {
  const source = join(dir, 'appgov.db');
  let token = '';
  /** 400 apps of their own, decided all together by each write below: in any committed state all are approved, or none. */
  let batch: string[] = [];

  it('copies the database while a server writes to it: every copy whole, as of one commit, and served as the original', async () => {
    const setup = openDatabase(source);
    token = seedDemoIfEmpty(setup.db)!.token;
    // Enough pages that a copy made step by step would meet commits half way (the file is a few MB).
    batch = setup.db.transaction((tx) => Array.from({ length: 3000 }, (_, i) => createApp(tx, { name: `Backup app ${String(i).padStart(4, '0')}` }).id)).slice(0, 400);
    setup.close();

    const server = await startServer({ APPGOV_DB: source, APPGOV_RATE_LIMIT_PER_SECOND: '10000000', APPGOV_RATE_LIMIT_BURST: '100000000' });
    servers.push(server);
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const mutation = writes % 2 === 0 ? 'approveApps' : 'removeAppApprovals';
        const result = await post(server.base, token, `mutation ($c: ID!, $a: [ID!]!) { ${mutation}(clientId: $c, appIds: $a) { changed } }`, { c: DEMO_CLIENT_ID, a: batch });
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data[mutation].changed).toHaveLength(batch.length);
        writes++;
      }
    })();
    while (writes < 3) await new Promise((r) => setTimeout(r, 20));

    const appgov = cliOn(source);
    const copies: string[] = [];
    let writtenDuringBackups = 0;
    for (let i = 0; i < 2; i++) {
      const copy = join(dir, 'copies', `during-${i}.db`);
      const before = writes;
      const run = await appgov('backup', copy);
      writtenDuringBackups += writes - before;
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ database: source, backup: copy, bytes: statSync(copy).size });
      copies.push(copy);
    }
    stop = true;
    await writer;
    // The server committed writes while the copies were taken.
    expect(writtenDuringBackups).toBeGreaterThan(0);

    const original = new Database(source, { readonly: true });
    const count = (db: Database.Database, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    for (const copy of copies) {
      const db = new Database(copy);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);
        for (const table of ['apps', 'clients', 'tokens', 'workspaces', 'service_keys', '__drizzle_migrations']) expect([table, count(db, table)]).toEqual([table, count(original, table)]);
        expect(count(db, 'app_history_events')).toBeLessThanOrEqual(count(original, 'app_history_events'));
      } finally {
        db.close();
      }
      // Served from the copy (the services reading it): the demo token works, and each write is there whole or not at all.
      const served = openDatabase(copy);
      try {
        const ids = JSON.stringify(batch);
        const lengths = served.sqlite
          .prepare(`SELECT count(*) AS n FROM app_history_events WHERE client_id = ? AND app_id IN (SELECT value FROM json_each(?)) GROUP BY app_id`)
          .all(DEMO_CLIENT_ID, ids) as { n: number }[];
        expect(lengths).toHaveLength(batch.length);
        const calls = new Set(lengths.map((l) => l.n));
        expect(calls.size).toBe(1);
        const yoga = createAppgovYoga({ db: served.db, config: { maxBulkIds: 1000 } });
        const approved = new Set<boolean>();
        for (let i = 0; i < batch.length; i += 50) {
          const fields = batch.slice(i, i + 50).map((id, j) => `a${j}: app(id: "${id}") { isApproved }`).join(' ');
          const read = await gql(yoga, `{ client(id: "${DEMO_CLIENT_ID}") { ${fields} } }`, {}, token);
          expect(read.body.errors).toBeUndefined();
          for (const app of Object.values(read.body.data.client) as { isApproved: boolean }[]) approved.add(app.isApproved);
        }
        // An odd number of calls (approve first, then remove, in turn) leaves the whole batch approved.
        expect([...approved]).toEqual([[...calls][0]! % 2 === 1]);
      } finally {
        served.close();
      }
    }
    original.close();

    // At rest: a copy taken now, served by a server of its own, answers exactly as the original does.
    const final = join(dir, 'copies', 'final.db');
    expect((await appgov('backup', final)).code).toBe(0);
    const restored = await startServer({ APPGOV_DB: final });
    servers.push(restored);
    expect(restored.stdout()).not.toContain('Loaded the demo organisation');
    const fromOriginal = await readTwice(server.base, token);
    // The original's cursor pages on the copy: the key that seals cursors came along.
    const fromCopy = await readTwice(restored.base, token, fromOriginal[0]!.body.data.client.apps.pageInfo.endCursor);
    expect(fromOriginal[0]!.body.errors).toBeUndefined();
    expect(fromOriginal[1]!.body.data.client.apps.nodes).toHaveLength(5);
    expect(fromCopy).toEqual(fromOriginal);
    // And it takes writes of its own.
    const write = await post(restored.base, token, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a, reason: "after the restore") { changed } }`, {
      c: DEMO_CLIENT_ID,
      a: [DEMO_APPS[1].id],
    });
    expect(write.body).toEqual({ data: { approveApps: { changed: [DEMO_APPS[1].id] } } });
  }, 120_000);

  it('refuses to overwrite a file, to back up a database that is not there, and Postgres (pointing to pg_dump)', async () => {
    const appgov = cliOn(source);
    const taken = join(dir, 'taken.db');
    writeFileSync(taken, 'keep me');
    expect(await appgov('backup', taken)).toEqual({
      code: 1,
      stdout: '',
      stderr: `appgov: ${taken} already exists: a backup never overwrites a file; name a new one\n`,
    });
    expect(readFileSync(taken, 'utf8')).toBe('keep me');
    expect(await appgov('backup', source)).toEqual({ code: 1, stdout: '', stderr: `appgov: ${source} is the database itself: name a new file for the backup\n` });

    const missing = join(dir, 'missing.db');
    const copy = join(dir, 'never.db');
    expect(await cliOn(missing)('backup', copy)).toEqual({
      code: 1,
      stdout: '',
      stderr: `appgov: there is no database at ${missing} (set APPGOV_DB to the server's database file)\n`,
    });
    expect(() => statSync(missing)).toThrow();
    expect(() => statSync(copy)).toThrow();

    const notSqlite = join(dir, 'notes.txt');
    writeFileSync(notSqlite, 'not a database, but long enough to have a header of sorts: '.repeat(20));
    expect(await cliOn(notSqlite)('backup', copy)).toEqual({ code: 1, stdout: '', stderr: `appgov: ${notSqlite} is not a SQLite database\n` });
    expect(() => statSync(copy)).toThrow();

    expect(await appgov('backup')).toEqual({ code: 2, stdout: '', stderr: 'appgov: the backup FILE is required (see: appgov backup --help)\n' });
    expect(await appgov('backup', 'a.db', 'b.db')).toEqual({ code: 2, stdout: '', stderr: 'appgov: give one backup FILE (see: appgov backup --help)\n' });

    // Refused before connecting: nothing listens on port 1.
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      try {
        execFileSync(process.execPath, ['bin/appgov.js', 'backup', copy], {
          env: { ...process.env, APPGOV_DATABASE_URL: 'postgres://appgov:secret@127.0.0.1:1/appgov' },
          stdio: 'pipe',
        });
        resolve({ code: 0, stderr: '' });
      } catch (error) {
        const e = error as { status: number; stderr: Buffer };
        resolve({ code: e.status, stderr: e.stderr.toString() });
      }
    });
    expect(run).toEqual({
      code: 1,
      stderr:
        'appgov: backup copies a SQLite file, and this database is Postgres (postgres://appgov@127.0.0.1:1/appgov): take a backup with pg_dump -Fc and restore it with pg_restore (see docs/deploy.md)\n',
    });
    expect(() => statSync(copy)).toThrow();
  }, 60_000);

  it("prints what docs/deploy.md shows (run in a folder of the page's own: /home/me/appgov there)", async () => {
    const page = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
    const blocks = fencedBlocks(page);
    const at = blocks.findIndex((b) => b.lang === 'sh' && b.marker?.kind === 'not-tested' && /test\/backup\.test\.ts/.test(b.marker.reason));
    expect(at).toBeGreaterThanOrEqual(0);
    const [command] = shellCommands(blocks[at]!.body);
    const shown = blocks[at + 1]!;
    expect(shown.lang).toBe('json');

    const home = realpathSync(mkdtempSync(join(dir, 'home-')));
    mkdirSync(join(home, 'data'));
    const demo = openDatabase(join(home, 'data', 'appgov.db'));
    seedDemoIfEmpty(demo.db);
    demo.close();
    const words = shellWords(command!, {});
    expect(words.slice(0, 2)).toEqual(['npx', 'appgov']);
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.APPGOV_DB;
    delete env.APPGOV_DATABASE_URL;
    const stdout = execFileSync(process.execPath, [join(ROOT, 'bin/appgov.js'), ...words.slice(2)], { cwd: home, env, encoding: 'utf8' });
    const [real] = jsonValues(stdout) as [{ database: string; backup: string; bytes: number }];
    const [expected] = jsonValues(shown.body.replaceAll('/home/me/appgov', home)) as [{ bytes: number }];
    // The size is the reader's own (it grows with their data and with the migrations): a whole number of pages.
    expect(real.bytes % 4096).toBe(0);
    expect({ ...real, bytes: expected.bytes }).toEqual(expected);
    expect(real.bytes).toBe(statSync(real.backup).size);
  }, 60_000);
});

describe('pg_dump and pg_restore (Postgres), as docs/deploy.md tells them', () => {
  const bin = postgresBin();

  it.skipIf(!bin || process.env.APPGOV_TEST_DATABASE_URL)('restores into a fresh database the same rows, which appgov serves as it served the original', async () => {
    const url = await freshPostgresDatabase();
    const opened = await openPostgres(url, { poolSize: 4 });
    const { token } = (await seedDemoIfEmptyPg(opened.pool))!;
    const yoga = createAppgovYoga({ backend: postgresBackend(opened), config: { maxBulkIds: 1000 } });
    const approve = await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a, reason: "before the backup") { changed } }`, {
      c: DEMO_CLIENT_ID,
      a: DEMO_APPS.slice(0, 3).map((a) => a.id),
    }, token);
    expect(approve.body.errors).toBeUndefined();
    const note = await gql(yoga, `mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "kept") { id } }`, { c: DEMO_CLIENT_ID, a: DEMO_APPS[0].id }, token);
    expect(note.body.errors).toBeUndefined();
    const created = await new Promise<string>((resolve, reject) => {
      try {
        resolve(execFileSync(process.execPath, ['bin/appgov.js', 'token', 'create', '--kind', 'internal', '--name', 'restored reader'], {
          env: { ...process.env, APPGOV_DATABASE_URL: url },
          encoding: 'utf8',
        }));
      } catch (error) {
        reject(error as Error);
      }
    });
    const reader = (JSON.parse(created) as { token: string }).token;

    // The page's commands: a custom-format dump, a new database, a restore in one transaction.
    const dump = join(dir, 'appgov.dump');
    execFileSync(join(bin!, 'pg_dump'), ['-Fc', '-d', url, '-f', dump], { stdio: 'pipe' });
    const restoredName = `${new URL(url).pathname.slice(1)}_restored`;
    execFileSync(join(bin!, 'createdb'), [`--maintenance-db=${url}`, restoredName], { stdio: 'pipe' });
    const restoredUrl = new URL(url);
    restoredUrl.pathname = `/${restoredName}`;
    const restore = execFileSync(join(bin!, 'pg_restore'), ['--no-owner', '--single-transaction', '-d', restoredUrl.toString(), dump], { encoding: 'utf8', stdio: 'pipe' });
    expect(restore).toBe('');

    const rowsOf = async (target: string) => {
      const client = new pg.Client({ connectionString: target });
      await client.connect();
      try {
        const tables = (
          await client.query<{ name: string }>(
            `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle') AND table_type = 'BASE TABLE' ORDER BY 1`,
          )
        ).rows.map((r) => r.name);
        const rows: Record<string, unknown[]> = {};
        for (const table of tables) rows[table] = (await client.query(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY 1`)).rows.map((r) => r.row);
        return rows;
      } finally {
        await client.end();
      }
    };
    const before = await rowsOf(url);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['public.apps', 'public.app_history_events', 'public.tokens', 'public.service_keys', 'drizzle.__drizzle_migrations']));
    expect(before['public.app_history_events']!.length).toBeGreaterThanOrEqual(4);
    expect(await rowsOf(restoredUrl.toString())).toEqual(before);

    // appgov starts on it as on the original: the migrations find nothing to do, every row stays as it was.
    const served = await openPostgres(restoredUrl.toString(), { poolSize: 4 });
    try {
      expect(await rowsOf(restoredUrl.toString())).toEqual(before);
      const restoredYoga = createAppgovYoga({ backend: postgresBackend(served), config: { maxBulkIds: 1000 } });
      const readBoth = async (y: typeof yoga, t: string) => {
        const first = await gql(y, READ, { c: DEMO_CLIENT_ID }, t);
        const second = await gql(y, READ, { c: DEMO_CLIENT_ID, after: first.body.data?.client.apps.pageInfo.endCursor }, t);
        return [first.body, second.body];
      };
      const original = await readBoth(yoga, token);
      expect(original[0]!.errors).toBeUndefined();
      expect(original[0]!.data.client.history.nodes.length).toBeGreaterThanOrEqual(4);
      expect(await readBoth(restoredYoga, token)).toEqual(original);
      expect(await readBoth(restoredYoga, reader)).toEqual(original);
      // New writes go on from the restored history (its sequences came along).
      const write = await gql(restoredYoga, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { changed } }`, { c: DEMO_CLIENT_ID, a: [DEMO_APPS[5].id] }, token);
      expect(write.body).toEqual({ data: { approveApps: { changed: [DEMO_APPS[5].id] } } });
      const latest = await gql(restoredYoga, `query ($c: ID!) { client(id: $c) { history(first: 2) { nodes { type app { id } } } } }`, { c: DEMO_CLIENT_ID }, token);
      expect(latest.body.data.client.history.nodes[0]).toEqual({ type: 'APPROVAL_STATUS_CHANGED', app: { id: DEMO_APPS[5].id } });
    } finally {
      await served.close();
      await opened.close();
    }
  }, 120_000);
});
