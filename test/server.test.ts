import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { seedDemoIfEmpty } from '../src/services/demo';
import { startServer as start, stopServer as stop } from './helpers/server';

const dir = mkdtempSync(join(tmpdir(), 'appgov-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BIN = fileURLToPath(new URL('../bin/appgov.js', import.meta.url));

/** The name the token authenticates as on the server at `base`, or the HTTP status when it does not. */
async function viewerName(base: string, token: string): Promise<string | number> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { name } }' }),
  });
  return res.status === 200 ? ((await res.json()) as { data: { viewer: { name: string } } }).data.viewer.name : res.status;
}

/** A database that already has data (the demo, whose token this test never sees). */
function usedDatabase(path: string): string {
  const database = openDatabase(path);
  seedDemoIfEmpty(database.db);
  database.close();
  return path;
}

/**
 * Runs the hint's command as a user pastes it into a shell, in `cwd`, without APPGOV_DB in the
 * environment (`npx appgov` is this checkout's bin, which npx would run); returns the new token.
 */
async function runHint(command: string, cwd: string): Promise<string> {
  const { APPGOV_DB: _unset, ...env } = process.env;
  const line = command.replace('npx appgov', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`);
  const { stdout } = await promisify(execFile)('/bin/sh', ['-c', line], { cwd, env });
  return (JSON.parse(stdout) as { token: string }).token;
}

describe('npm start', () => {
  it('seeds the demo on an empty database, prints a working token, and logs SQL to stderr when asked', async () => {
    const server = await start({ APPGOV_DB: join(dir, 'demo.db'), APPGOV_LOG_SQL: '1' });
    try {
      const token = /token:\s+(agv_\S+)/.exec(server.stdout())?.[1];
      expect(token).toBeDefined();
      expect((await fetch(`${server.base}/health`)).status).toBe(200);
      expect(await (await fetch(`${server.base}/health`)).json()).toEqual({ status: 'ok', checks: { file: 'ok', read: 'ok', write: 'ok' }, problems: [] });
      const res = await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation { approveApps(clientId: "aa7cf840-9ca9-46a3-9778-9015d6580d50", appIds: ["f1a2b3c4-d5e6-7890-abcd-ef1234567890"]) { succeeded failed { id } } }',
        }),
      });
      expect(await res.json()).toEqual({ data: { approveApps: { succeeded: ['f1a2b3c4-d5e6-7890-abcd-ef1234567890'], failed: [] } } });
      const page = await (await fetch(`${server.base}/graphql`, { headers: { accept: 'text/html' } })).text();
      expect(page).toContain(token);
      // GraphiQL is served inline: it must work on a machine without internet access.
      expect(page).toContain('mutation Approve');
      expect(page).not.toContain('unpkg.com');
      const sqlLines = server.logLines().filter((l) => l.msg === 'sql');
      expect(sqlLines.some((l) => l.sql.startsWith('INSERT INTO app_history_events'))).toBe(true);
      expect(server.stderr()).not.toContain(token);
    } finally {
      expect(await stop(server)).toBe(0);
    }
    // A second start finds data: no new demo, no token printed.
    const again = await start({ APPGOV_DB: join(dir, 'demo.db') });
    try {
      expect(again.stdout()).not.toContain('agv_');
      // GraphiQL still opens with a working example, and says how to get a token.
      const page = await (await fetch(`${again.base}/graphql`, { headers: { accept: 'text/html' } })).text();
      expect(page).toContain('mutation Approve');
      expect(page).toContain('npx appgov token create --kind internal --name me');
      expect(again.logLines().filter((l) => l.msg === 'sql')).toEqual([]);
    } finally {
      await stop(again);
    }
  }, 60_000);

  it('in production, loads no demo data and puts no token in GraphiQL', async () => {
    const server = await start({ APPGOV_DB: join(dir, 'prod.db'), NODE_ENV: 'production' });
    try {
      expect(server.stdout()).not.toContain('agv_');
      const page = await (await fetch(`${server.base}/graphql`, { headers: { accept: 'text/html' } })).text();
      expect(page).not.toContain('agv_');
    } finally {
      await stop(server);
    }
  }, 60_000);

  it('loads the demo only once it listens: after a start on a port in use, the next start shows the token', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const path = join(dir, 'port-in-use.db');
    try {
      await expect(start({ APPGOV_DB: path, PORT: String(port) })).rejects.toThrow(`appgov: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      blocker.close();
    }
    const server = await start({ APPGOV_DB: path });
    try {
      const token = /token:\s+(agv_\S+)/.exec(server.stdout())?.[1];
      expect(server.stdout()).not.toContain('Need a token?');
      expect(token).toBeDefined();
      expect(await viewerName(server.base, token!)).toBe('demo admin');
    } finally {
      await stop(server);
    }
  }, 60_000);

  it('names the database in its token hint, so the command works from another folder', async () => {
    const path = usedDatabase(join(dir, 'hint.db'));
    const server = await start({ APPGOV_DB: path });
    try {
      expect(server.stdout()).toContain(`on ${path}\n`);
      const hint = /^Need a token\? (.*)$/m.exec(server.stdout())?.[1];
      expect(hint).toBe(`APPGOV_DB=${path} npx appgov token create --kind internal --name me`);
      expect(await viewerName(server.base, await runHint(hint!, tmpdir()))).toBe('me');
    } finally {
      await stop(server);
    }
  }, 60_000);

  it('without APPGOV_DB, its token hint says which folder the command must run in', async () => {
    const folder = join(dir, 'project');
    mkdirSync(join(folder, 'data'), { recursive: true });
    usedDatabase(join(folder, 'data', 'appgov.db'));
    const server = await start({ APPGOV_DB: '' }, { cwd: folder });
    try {
      const [, command, where] = /^Need a token\? (.*)\n {2}\((.*)\)$/m.exec(server.stdout()) ?? [];
      expect([command, where]).toEqual([
        'npx appgov token create --kind internal --name me',
        `in ${folder}, or anywhere with APPGOV_DB=${join(folder, 'data', 'appgov.db')}: this server's database`,
      ]);
      expect(await viewerName(server.base, await runHint(command!, folder))).toBe('me');
    } finally {
      await stop(server);
    }
  }, 60_000);

  it.each([
    ['APPGOV_DB ending in "/"', { APPGOV_DB: join(dir, 'meant-as-folder/') }, `APPGOV_DB must name a file, not a folder; got "${join(dir, 'meant-as-folder/')}"`],
    ['a mistyped NODE_ENV', { APPGOV_DB: join(dir, 'typo.db'), NODE_ENV: 'prod' }, 'NODE_ENV must be one of production, development, test, or unset; got "prod"'],
  ])('refuses %s before it creates anything', async (_name, env, message) => {
    await expect(start(env)).rejects.toThrow(`server exited with 1: appgov: ${message}`);
    expect([existsSync(join(dir, 'meant-as-folder')), existsSync(join(dir, 'typo.db'))]).toEqual([false, false]);
  }, 30_000);

  it('refuses a bad configuration value with a clear message', async () => {
    await expect(start({ APPGOV_DB: join(dir, 'x.db'), APPGOV_MAX_BULK_IDS: 'lots' })).rejects.toThrow(
      'APPGOV_MAX_BULK_IDS must be a whole number from 1 to 100000; got "lots"',
    );
  }, 30_000);
});
