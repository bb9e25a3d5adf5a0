import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'appgov-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  base: string;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `src/server.ts` the way `npm start` does, on a free port. */
function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const match = /serving (http:\/\/[^/]+)\/graphql/.exec(out);
      if (match && out.includes('\n')) {
        clearTimeout(timer);
        setTimeout(() => resolve({ child, base: match[1]!, stdout: () => out, stderr: () => err }), 100);
      }
    });
  });
}

/** The structured log lines a server wrote to stderr. */
function logLines(stderr: string): Record<string, any>[] {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

function stop(server: Started): Promise<number | null> {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.on('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
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
      const sqlLines = logLines(server.stderr()).filter((l) => l.msg === 'sql');
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
      expect(logLines(again.stderr()).filter((l) => l.msg === 'sql')).toEqual([]);
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

  it('refuses a bad configuration value with a clear message', async () => {
    await expect(start({ APPGOV_DB: join(dir, 'x.db'), APPGOV_MAX_BULK_IDS: 'lots' })).rejects.toThrow(
      'APPGOV_MAX_BULK_IDS must be a whole number from 1 to 100000; got "lots"',
    );
  }, 30_000);
});
