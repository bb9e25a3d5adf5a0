import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliOn } from './helpers/cli';
import { openDatabase } from '../src/db/open';
import { getClientApp } from '../src/services/apps';
import { listInstallRequests } from '../src/services/install-requests';

const dir = mkdtempSync(join(tmpdir(), 'appgov-cli-002-'));
const dbPath = join(dir, 'cli.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const appgov = cliOn(dbPath);

const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const WS = 'b0000000-0000-4000-8000-000000000001';
const APP = 'a0000000-0000-4000-8000-000000000001';

it('workspace, app scopes, request and token fixtures; app update applies the re-approval rule', async () => {
  await appgov('client', 'create', '--name', 'Globex', '--id', CLIENT);
  expect((await appgov('workspace', 'create', '--client', CLIENT, '--name', 'Sales', '--id', WS)).stdout).toBe(`{"id":"${WS}"}\n`);
  await appgov('app', 'create', '--name', 'Chat', '--id', APP, '--scopes', 'chat:write,files:read');
  const request = JSON.parse((await appgov('request', 'create', '--workspace', WS, '--app', APP, '--scopes', 'chat:write', '--message', 'pls', '--requester', 'Ann')).stdout);
  const token = JSON.parse((await appgov('token', 'create', '--kind', 'internal', '--name', 'temp', '--expires-in', '30d')).stdout);
  expect(token.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

  const db = openDatabase(dbPath);
  try {
    expect(listInstallRequests(db.db, { clientId: CLIENT, workspaceId: WS, status: 'pending' }).items.map((r) => [r.id, r.scopes, r.requester, r.message])).toEqual([
      [request.id, ['chat:write'], 'Ann', 'pls'],
    ]);
    db.sqlite.prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, approved_scopes, decided_at, decided_by, version, updated_at)
      VALUES (?, ?, 'approved', '["chat:write","files:read"]', 1, 'x', 1, 1)`).run(CLIENT, APP);
  } finally {
    db.close();
  }
  const updated = await appgov('app', 'update', '--id', APP, '--scopes', 'chat:write,files:read,users:read');
  expect(JSON.parse(updated.stdout)).toEqual({ id: APP, name: 'Chat', scopes: ['chat:write', 'files:read', 'users:read'], lostApprovals: [CLIENT] });
  const revoked = JSON.parse((await appgov('token', 'revoke', '--id', token.id)).stdout);
  const listed = JSON.parse((await appgov('token', 'list')).stdout).tokens;
  expect(listed).toEqual([{ id: token.id, kind: 'internal', name: 'temp', scopes: ['apps:read', 'apps:write'], client: null, created: expect.any(String), expires: token.expiresAt, revoked: revoked.revokedAt }]);

  const after = openDatabase(dbPath);
  try {
    expect(getClientApp(after.db, CLIENT, APP)).toMatchObject({ resolution: 'unresolved', needsReapproval: true });
  } finally {
    after.close();
  }
}, 60_000);
