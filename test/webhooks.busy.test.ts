/**
 * The webhook lanes on a SQLite file while another connection holds the write lock (a bulk call in
 * the writer thread holds it for tens of ms, past the main connection's 10 ms busy timeout): the
 * runner's writes wait for the lock on a timer instead of failing the lane's turn, which would leave
 * the lane leased and undelivered until its lease ran out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { createClient } from '../src/services/clients';
import { createWebhook, newWebhook, sqliteWebhookQueue } from '../src/services/webhooks';

const dir = mkdtempSync(join(tmpdir(), 'appgov-webhooks-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a lane's writes wait out another connection's write lock, then succeed", async () => {
  const path = join(dir, 'busy.db');
  const main = openDatabase(path, { dbBusyTimeoutMs: 10 });
  const other = openDatabase(path, { dbBusyTimeoutMs: 10 });
  try {
    const client = createClient(main.db, { name: 'Busy' });
    const actor = { tokenId: 't', kind: 'internal' as const, name: 'test', clientId: null, scopes: [] };
    const hook = createWebhook(main.db, newWebhook({ clientId: client.id, url: 'https://hooks.example.com/x', actor, allowPrivate: false }));
    const queue = sqliteWebhookQueue(main.db);
    const now = Date.now();
    main.sqlite.prepare('UPDATE webhooks SET due_at = ? WHERE id = ?').run(now, hook.id);
    const [lane] = await queue.claimLanes({ owner: 'me', leaseMs: 10_000, now, limit: 1 });
    expect(lane?.id).toBe(hook.id);
    // Another connection takes the write lock for 150 ms.
    other.sqlite.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.sqlite.exec('COMMIT'), 150);
    const started = Date.now();
    expect(await queue.block({ owner: 'me', leaseMs: 10_000, now }, hook.id, now + 60_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    other.sqlite.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.sqlite.exec('COMMIT'), 100);
    await queue.release('me', hook.id);
    expect(main.sqlite.prepare('SELECT lease_owner, due_at FROM webhooks WHERE id = ?').get(hook.id)).toEqual({ lease_owner: null, due_at: now + 60_000 });
  } finally {
    main.sqlite.close();
    other.sqlite.close();
  }
});
