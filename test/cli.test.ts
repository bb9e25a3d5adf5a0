import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
import { afterAll, describe, expect, it } from 'vitest';
import { cliOn } from './helpers/cli';
import { openDatabase } from '../src/db/open';
import { createAppgovYoga } from '../src/yoga';
import { gql } from './helpers/graphql';

const dir = mkdtempSync(join(tmpdir(), 'appgov-cli-'));
const dbPath = join(dir, 'cli.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const appgov = cliOn(dbPath);

describe('the appgov command', () => {
  it('prints its usage on stdout for --help, and exits 0', async () => {
    const help = await appgov('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: appgov <command> [options]');
    expect(help.stdout).toContain('token create --kind internal|client');
  }, 30_000);

  it('says the database is busy, and writes nothing, when another process holds the write lock past its 5 s wait', async () => {
    const busyPath = join(dir, 'busy.db');
    expect((await cliOn(busyPath)('migrate')).code).toBe(0);
    const holder = openDatabase(busyPath);
    try {
      holder.sqlite.exec('BEGIN IMMEDIATE');
      const refused = await cliOn(busyPath)('client', 'create', '--name', 'Waits');
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: 'appgov: the database is busy: another process held its write lock for longer than 5 s; nothing was written, try again\n',
      });
      holder.sqlite.exec('ROLLBACK');
      expect(holder.sqlite.prepare("SELECT count(*) AS n FROM clients WHERE name = 'Waits'").get()).toEqual({ n: 0 });
    } finally {
      holder.close();
    }
  }, 30_000);

  it('creates a client, an app and a client token that then works against the API', async () => {
    expect(JSON.parse((await appgov('migrate')).stdout)).toEqual({ database: dbPath, migrated: true });
    const client = await appgov('client', 'create', '--name', 'Globex', '--id', 'aa7cf840-9ca9-46a3-9778-9015d6580d50');
    expect(client).toEqual({ code: 0, stdout: '{"id":"aa7cf840-9ca9-46a3-9778-9015d6580d50"}\n', stderr: '' });
    const app = await appgov('app', 'create', '--name', 'Paper Trail', '--code-name', 'paper-trail');
    expect(JSON.parse(app.stdout)).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), codeName: 'paper-trail' });
    const token = await appgov('token', 'create', '--kind', 'client', '--client', 'aa7cf840-9ca9-46a3-9778-9015d6580d50', '--name', 'ci bot');
    const issued = JSON.parse(token.stdout) as { id: string; token: string };
    expect(issued.token).toMatch(/^agv_[A-Za-z0-9_-]{43}$/);

    const db = openDatabase(dbPath);
    try {
      const yoga = createAppgovYoga({ db: db.db, config: { maxBulkIds: 10 } });
      const res = await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded } }`,
        { c: 'aa7cf840-9ca9-46a3-9778-9015d6580d50', a: [JSON.parse(app.stdout).id] }, issued.token);
      expect(res.body.data.approveApps.succeeded).toEqual([JSON.parse(app.stdout).id]);
    } finally {
      db.close();
    }
  }, 30_000);

  it('creates a directory, a business of it, a private app and a directory token that may assign it', async () => {
    const directory = await appgov('directory', 'create', '--name', 'Northwind', '--id', 'd1e2c3b4-a5f6-4789-8abc-def012345678');
    expect(directory).toEqual({ code: 0, stdout: '{"id":"d1e2c3b4-a5f6-4789-8abc-def012345678"}\n', stderr: '' });
    const business = JSON.parse((await appgov('client', 'create', '--name', 'Bakery', '--directory', 'd1e2c3b4-a5f6-4789-8abc-def012345678')).stdout);
    const app = await appgov('app', 'create', '--name', 'Booking', '--owner-directory', 'd1e2c3b4-a5f6-4789-8abc-def012345678', '--hidden-from-market');
    expect(JSON.parse(app.stdout)).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), codeName: 'booking' });
    const token = JSON.parse((await appgov('token', 'create', '--kind', 'directory', '--directory', 'd1e2c3b4-a5f6-4789-8abc-def012345678')).stdout);

    const db = openDatabase(dbPath);
    try {
      expect(db.sqlite.prepare('SELECT owner_directory_id, hidden_from_market FROM apps WHERE code_name = ?').get('booking')).toEqual({
        owner_directory_id: 'd1e2c3b4-a5f6-4789-8abc-def012345678', hidden_from_market: 1,
      });
      const yoga = createAppgovYoga({ db: db.db, config: { maxBulkIds: 10 } });
      const res = await gql(yoga, `mutation ($b: ID!) { assignApp(input: { appCodeName: "booking", assignee: { businessId: $b }, mode: INTERNAL }) { outcome } }`,
        { b: business.id }, token.token);
      expect(res.body.data).toEqual({ assignApp: { outcome: 'CREATED' } });
    } finally {
      db.close();
    }
  }, 30_000);

  it.each([
    [['token', 'create', '--kind', 'directory'], 1, 'a directory token needs the directory it acts for'],
    [['token', 'create', '--kind', 'internal', '--directory', 'd1e2c3b4-a5f6-4789-8abc-def012345678'], 1, 'only a directory token takes a directory'],
    [['client', 'create', '--name', 'X', '--directory', 'ffffffff-ffff-4fff-8fff-ffffffffffff'], 1, 'appgov: directory not found'],
    [['app', 'create', '--name', 'Y', '--hidden-from-market=yes'], 2, "appgov: option '--hidden-from-market' does not take an argument"],
    [['client', 'create'], 2, '--name is required'],
    [['client', 'create', '--name', 'X', '--colour', 'red'], 2, "appgov: unknown option '--colour' (see: appgov client create --help)\n"],
    [['token', 'create', '--kind', 'root'], 2, '--kind must be one of internal, client, directory; got "root"'],
    [['token', 'create', '--kind', 'client'], 1, 'a client token needs the client it is bound to'],
    [['token', 'create', '--kind', 'internal', '--scopes', 'apps:admin'], 1, 'unknown scopes: apps:admin'],
    [['app', 'create', '--name', 'Paper Trail 2', '--code-name', 'paper-trail'], 1, `appgov: the code name "paper-trail" is taken: choose another --code-name (database: ${dbPath})\n`],
    [['app', 'create', '--name', 'Paper  Trail'], 1, `appgov: the code name "paper-trail" is taken: it comes from the name; choose one with --code-name (database: ${dbPath})\n`],
    [['client', 'create', '--name', 'Again', '--id', 'aa7cf840-9ca9-46a3-9778-9015d6580d50'], 1, `appgov: a client with id aa7cf840-9ca9-46a3-9778-9015d6580d50 already exists (database: ${dbPath})\n`],
    [['client', 'list', '--limit', '0'], 2, 'appgov: --limit must be a whole number from 1; got "0" (see: appgov client list --help)\n'],
    [['app', 'list', '--format', 'xml'], 2, 'appgov: --format must be one of jsonl, json; got "xml" (see: appgov app list --help)\n'],
    [['app', 'list', '--json-array', '--format', 'jsonl'], 2, 'appgov: --json-array and --format jsonl contradict each other (see: appgov app list --help)\n'],
    [['app', 'create', '--name', 'Bad', '--code-name', 'Bad Name'], 1, 'code name must be'],
    [['bogus'], 2, 'unknown command "bogus"'],
    [[], 2, 'a command is required'],
  ])('appgov %j exits %i with a clear message and prints nothing on stdout', async (args, code, message) => {
    const result = await appgov(...args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    // One style for every message: "appgov: " and a lowercase start.
    expect(result.stderr).toMatch(/^appgov: [-a-z"]/);
  }, 30_000);

  it('a usage error is one line that points to --help, not the whole help', async () => {
    const result = await appgov('token', 'create');
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'appgov: --kind is required (see: appgov token create --help)\n' });
  }, 30_000);

  it('answers --help for every command it lists, with that command\'s options, touching no database', async () => {
    const help = (await appgov('--help')).stdout;
    // Every command the full help lists, read back from it, so a new command cannot go without its own help.
    const commands = [...help.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?: --| \[| [A-Z]+$|$)/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['migrate', 'backup', 'token create', 'app update', 'app list', 'request create']));
    expect(commands.length).toBe(13);
    const elsewhere = join(dir, 'never-created.db');
    for (const command of commands) {
      const one = await cliOn(elsewhere)(...command.split(' '), '--help');
      expect([command, one.code, one.stderr]).toEqual([command, 0, '']);
      expect(one.stdout.startsWith(`usage: appgov ${command}`)).toBe(true);
      expect(one.stdout).toContain('(database: APPGOV_DATABASE_URL when set, else the SQLite file APPGOV_DB');
    }
    expect(existsSync(elsewhere)).toBe(false);
  }, 120_000);

  it('prints its version for --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await appgov('--version')).toEqual({ code: 0, stdout: `appgov ${version}\n`, stderr: '' });
  }, 30_000);

  it('runs a bundle of the current sources: compiled again once a source file changes', async () => {
    const cache = join(ROOT, 'node_modules', '.cache', 'appgov');
    const bundles = () => (existsSync(cache) ? readdirSync(cache).flatMap((root) => readdirSync(join(cache, root)).filter((n) => /^cli-[0-9a-f]+$/.test(n))) : []);
    expect((await appgov('--version')).code).toBe(0);
    const before = bundles();
    expect(before.length).toBeGreaterThan(0);
    // A source file "changes" (its modification time; the text stays): the next call compiles anew.
    const source = join(ROOT, 'src', 'cli-listing.ts');
    const { atimeMs, mtimeMs } = statSync(source);
    // A time no run has used before (a bundle of an earlier run's change may still be cached).
    utimesSync(source, atimeMs / 1000, (Date.now() + Math.random() * 1e6) / 1000);
    try {
      expect((await appgov('--version')).code).toBe(0);
      expect(bundles().filter((b) => !before.includes(b)).length).toBe(1);
    } finally {
      utimesSync(source, atimeMs / 1000, mtimeMs / 1000);
    }
  }, 30_000);

  it('lists clients (by id) and the catalog (by name) as JSON lines, or one JSON array, up to --limit', async () => {
    const globex = { id: 'aa7cf840-9ca9-46a3-9778-9015d6580d50', name: 'Globex', createdAt: expect.any(String) };
    expect((await appgov('client', 'create', '--name', 'Initech', '--id', '00000000-0000-4000-8000-000000000001')).code).toBe(0);
    const initech = { id: '00000000-0000-4000-8000-000000000001', name: 'Initech', createdAt: expect.any(String) };
    // An earlier test created the business "Bakery" with a random id: it sorts among them by id.
    const clients = await appgov('client', 'list');
    expect(clients.code).toBe(0);
    expect(clients.stdout.endsWith('\n')).toBe(true);
    const listed = clients.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; name: string });
    expect(listed.map((c) => c.id)).toEqual(listed.map((c) => c.id).sort());
    expect(listed.filter((c) => c.name !== 'Bakery')).toEqual([initech, globex]);
    expect(listed.map((c) => c.name).sort()).toEqual(['Bakery', 'Globex', 'Initech']);
    expect(JSON.parse((await appgov('client', 'list', '--json-array')).stdout)).toEqual(listed);
    expect(JSON.parse((await appgov('client', 'list', '--format', 'json', '--limit', '1')).stdout)).toEqual([initech]);

    expect((await appgov('app', 'create', '--name', 'abacus')).code).toBe(0);
    const apps = (await appgov('app', 'list')).stdout.trim().split('\n').map((line) => JSON.parse(line));
    // "Booking" comes from the directory test above.
    expect(apps.map((a) => a.name)).toEqual(['abacus', 'Booking', 'Paper Trail']);
    expect(apps[2]).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), codeName: 'paper-trail', name: 'Paper Trail', scopes: [], createdAt: expect.any(String) });
    expect((await appgov('app', 'list', '--limit', '1')).stdout.trim().split('\n').map((line) => JSON.parse(line).name)).toEqual(['abacus']);
  }, 30_000);
});
