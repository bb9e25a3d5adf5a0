/**
 * Issue 17 item 4: an acknowledged commit survives a power cut. `synchronous = FULL` is in force on every
 * connection by default (the server's, the writer thread's), `APPGOV_DB_SYNC=normal` sets NORMAL on all of
 * them alike, and a bad value stops the start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { startServer, stopServer } from './helpers/server';

const dir = mkdtempSync(join(tmpdir(), 'appgov-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FULL = 2;
const NORMAL = 1;

describe('APPGOV_DB_SYNC', () => {
  it.each([
    [{}, FULL],
    [{ APPGOV_DB_SYNC: 'normal' }, NORMAL],
    [{ APPGOV_DB_SYNC: ' FULL ' }, FULL],
  ])('%j: the main connection and the writer thread both run with synchronous = %i', async (env, expected) => {
    const config = loadConfig(env);
    const database = openDatabase(join(dir, `sync-${expected}-${Object.keys(env).length}.db`), config);
    const writer = startWriter(database, config, createLogger({ level: 'silent' }));
    try {
      expect(writer.where).toBe('worker');
      expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(expected);
      expect(await writer.run('durability', null)).toEqual({ synchronous: expected });
    } finally {
      await writer.close();
      database.close();
    }
  });

  it('a value other than full or normal is refused', () => {
    expect(() => loadConfig({ APPGOV_DB_SYNC: 'off' })).toThrow(new ConfigError('APPGOV_DB_SYNC must be full or normal; got "off"'));
  });

  it.each([
    [{}, 'FULL'],
    [{ APPGOV_DB_SYNC: 'normal' }, 'NORMAL'],
  ])('npm start with %j: the server and its writer thread say %s is in force', async (env, expected) => {
    const server = await startServer({ APPGOV_DB: join(dir, `server-${expected}.db`), NODE_ENV: 'production', ...env });
    try {
      await expect.poll(() => server.logLines().find((l) => l.msg === 'durability')?.synchronous, { timeout: 10_000 }).toEqual({
        server: expected,
        writer: expected,
      });
    } finally {
      await stopServer(server);
    }
  }, 60_000);

  it('npm start with a bad value stops with a message naming the variable', async () => {
    const child = spawn(process.execPath, [...inject('serverFlags'), inject('serverBundle')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', APPGOV_DB: join(dir, 'bad.db'), APPGOV_DB_SYNC: 'sometimes' },
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(1);
    expect(err).toContain('appgov: APPGOV_DB_SYNC must be full or normal; got "sometimes"');
  }, 30_000);
});
