/**
 * Live events across processes (issue 19): two compiled servers (as `npm start` runs them) on one
 * database, and the `appgov` CLI writing to it as a third process. A stream opened on the first
 * server hands over what the second server, the CLI and the first server commit, each once, in
 * commit order. On Postgres the poll is set to a minute, so what arrives comes by LISTEN/NOTIFY;
 * on a SQLite file (no notifications between processes) by the poll.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_APPS, DEMO_CLIENT_ID, DEMO_WORKSPACES } from '../src/services/demo';
import { freshPostgresDatabase } from './helpers/postgres';
import { startServer, stopServer, type StartedServer } from './helpers/server';
import { subscribe } from './helpers/sse';

const run = promisify(execFile);
const EVENTS = `subscription ($c: ID!) { historyEvents(clientId: $c) { id type appId ... on NoteAddedEvent { note } } }`;

async function note(server: StartedServer, token: string, appId: string, text: string) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) { id } }',
      variables: { c: DEMO_CLIENT_ID, a: appId, n: text },
    }),
  });
  const body = (await res.json()) as { data?: { addAppHistoryNote: { id: string } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data!.addAppHistoryNote.id;
}

async function followedAcrossProcesses(env: Record<string, string>) {
  const a = await startServer(env);
  const token = /token:\s+(\S+)/.exec(a.stdout())![1]!;
  const b = await startServer(env);
  try {
    const stream = await subscribe(a.base, EVENTS, { c: DEMO_CLIENT_ID }, token);
    expect(stream.status).toBe(200);
    const first = await note(b, token, DEMO_APPS[0]!.id, 'from the other server');
    const got = [await stream.next(5000)];
    const cli = await run(process.execPath, ['bin/appgov.js', 'request', 'create', '--workspace', DEMO_WORKSPACES[0]!.id, '--app', DEMO_APPS[1]!.id, '--requester', 'cli'], {
      env: { ...process.env, ...env },
    });
    expect(cli.stderr).toBe('');
    got.push(await stream.next(5000));
    // A stream outlives the request timeout (it bounds receiving a request, not a response).
    if (env.APPGOV_REQUEST_TIMEOUT_MS) await new Promise((resolve) => setTimeout(resolve, Number(env.APPGOV_REQUEST_TIMEOUT_MS) + 500));
    const last = await note(a, token, DEMO_APPS[2]!.id, 'from this server');
    got.push(await stream.next(5000));
    expect(got.map((p) => p.errors)).toEqual([undefined, undefined, undefined]);
    const events = got.map((p) => p.data.historyEvents);
    expect(events.map((e) => [e.type, e.appId, e.note ?? null])).toEqual([
      ['NOTE_ADDED', DEMO_APPS[0]!.id, 'from the other server'],
      ['INSTALL_REQUEST_CREATED', DEMO_APPS[1]!.id, null],
      ['NOTE_ADDED', DEMO_APPS[2]!.id, 'from this server'],
    ]);
    expect([events[0].id, events[2].id]).toEqual([first, last]);
    // Once each: nothing repeats on a later wake-up.
    await expect(stream.next(700)).rejects.toThrow(/no payload/);
    await stream.close();
  } finally {
    await Promise.all([stopServer(a), stopServer(b)]);
  }
}

describe('a stream on one server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-live-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on Postgres: sees the other server\'s and the CLI\'s writes by LISTEN/NOTIFY, in commit order, once each', async () => {
    await followedAcrossProcesses({ APPGOV_DATABASE_URL: await freshPostgresDatabase(), APPGOV_LIVE_POLL_MS: '60000' });
  }, 60_000);

  it('on a SQLite file: sees them by the poll, in commit order, once each, past the request timeout', async () => {
    await followedAcrossProcesses({
      APPGOV_DB: join(dir, 'appgov.db'),
      APPGOV_LIVE_POLL_MS: '200',
      APPGOV_REQUEST_TIMEOUT_MS: '1000',
      APPGOV_HEADERS_TIMEOUT_MS: '1000',
    });
  }, 60_000);
});
