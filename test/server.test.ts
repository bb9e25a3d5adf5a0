import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer as start, stopServer as stop } from './helpers/server';

const dir = mkdtempSync(join(tmpdir(), 'appgov-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('refuses a bad configuration value with a clear message', async () => {
    await expect(start({ APPGOV_DB: join(dir, 'x.db'), APPGOV_MAX_BULK_IDS: 'lots' })).rejects.toThrow(
      'APPGOV_MAX_BULK_IDS must be a whole number from 1 to 100000; got "lots"',
    );
  }, 30_000);
});
