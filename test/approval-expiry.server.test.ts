/**
 * A missed expiry (issue 20): an approval whose end passed while no instance ran is written down when
 * one next starts, with the time it lapsed, not the time it was noticed. The compiled server (as
 * `npm start` runs it), on a SQLite file and on Postgres, its sweep interval an hour, so the only sweep
 * is the one at start. The approval is written while the server is down and ends milliseconds later
 * (no sleeping until an end comes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/postgres';
import { approveApps } from '../src/services/approvals';
import { DEMO_APPS, DEMO_CLIENT_ID } from '../src/services/demo';
import { decidePg } from '../src/store/postgres/decisions';
import { freshPostgresDatabase } from './helpers/postgres';
import { startServer, stopServer, type StartedServer } from './helpers/server';

const APP = DEMO_APPS[0]!.id;
/** The approval's length: it ends this long after it was given, while no server runs. */
const GAP = 5;
const actor = { tokenId: 'test', kind: 'internal' as const, name: 'offline approval', clientId: null, scopes: ['apps:read', 'apps:write'] as const };

const HISTORY = `query ($c: ID!, $a: ID!) {
  app(clientId: $c, appId: $a) { isApproved history(first: 5) { nodes { type createdAt actor { kind } ... on ApprovalExpiredEvent { expiredAt } } } }
}`;

async function history(server: StartedServer, token: string) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: HISTORY, variables: { c: DEMO_CLIENT_ID, a: APP } }),
  });
  return ((await res.json()) as { data: { app: { isApproved: boolean; history: { nodes: Record<string, unknown>[] } } } }).data.app;
}

/** Starts a server on `env` (it loads the demo on an empty database) and answers the demo token. */
async function firstStart(env: Record<string, string>): Promise<{ server: StartedServer; token: string }> {
  const server = await startServer({ ...env, APPGOV_EXPIRY_INTERVAL_MS: '3600000' });
  const token = /token:\s+(\S+)/.exec(server.stdout())![1]!;
  return { server, token };
}

async function expectWrittenAtStart(env: Record<string, string>, token: string, end: number) {
  const server = await startServer({ ...env, APPGOV_EXPIRY_INTERVAL_MS: '3600000' });
  try {
    // The start-time sweep runs as the server starts listening: wait for it to have run (no timer fires for an hour).
    let read = await history(server, token);
    for (let i = 0; i < 50 && read.history.nodes[0]?.type !== 'APPROVAL_EXPIRED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = await history(server, token);
    }
    expect(read.isApproved).toBe(false);
    expect(read.history.nodes.slice(0, 2)).toEqual([
      { type: 'APPROVAL_EXPIRED', createdAt: new Date(end).toISOString(), actor: { kind: 'SYSTEM' }, expiredAt: new Date(end).toISOString() },
      { type: 'APPROVAL_STATUS_CHANGED', createdAt: new Date(end - GAP).toISOString(), actor: { kind: 'INTERNAL_TOKEN' } },
    ]);
  } finally {
    await stopServer(server);
  }
}

describe('an end that passed while no instance ran', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-expiry-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on a SQLite file: the next start writes it down, at the end', async () => {
    const file = join(dir, 'appgov.db');
    const { server, token } = await firstStart({ APPGOV_DB: file });
    await stopServer(server);
    // Written while the server is down, ending a few milliseconds later: it has lapsed by the next start.
    const end = Date.now() + GAP;
    const database = openDatabase(file);
    approveApps(database.db, { clientId: DEMO_CLIENT_ID, appIds: [APP], actor, maxIds: 10, expiresAt: new Date(end), now: new Date(end - GAP) });
    database.close();
    await expectWrittenAtStart({ APPGOV_DB: file }, token, end);
  }, 60_000);

  it('on Postgres: the next start writes it down, at the end', async () => {
    const url = await freshPostgresDatabase();
    const { server, token } = await firstStart({ APPGOV_DATABASE_URL: url });
    await stopServer(server);
    const end = Date.now() + GAP;
    const opened = await openPostgres(url, { poolSize: 1 });
    try {
      await decidePg(opened.db, {
        clientId: DEMO_CLIENT_ID,
        workspaceId: null,
        appIds: [APP],
        action: 'approve',
        scopes: null,
        reason: null,
        requestId: null,
        actor,
        expiresAt: new Date(end),
        now: new Date(end - GAP),
      });
    } finally {
      await opened.close();
    }
    await expectWrittenAtStart({ APPGOV_DATABASE_URL: url }, token, end);
  }, 60_000);
});
