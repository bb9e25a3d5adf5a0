import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { listClientApps } from '../src/services/apps';
import { clientHistoryPage } from '../src/services/history';
import { currentCursorSecret, decodeCursor, encodeCursor, useCursorSecret } from '../src/services/pagination';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';

/** Finding 10: cursors are sealed, bound to their list and filters, and show no global sequence. */
let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let a: { clientId: string; appIds: string[] };
let b: { clientId: string; appIds: string[] };

beforeAll(() => {
  t = testDatabase();
  a = seedTenant(t.db, { clientNumber: 1, appCount: 3 });
  b = seedTenant(t.db, { clientNumber: 2, appCount: 0 });
  const actor = principalFor(t.db);
  for (const client of [a, b]) {
    for (let i = 0; i < 3; i++) {
      approveApps(t.db, { clientId: client.clientId, appIds: a.appIds, actor, maxIds: 10 });
      removeAppApprovals(t.db, { clientId: client.clientId, appIds: a.appIds, actor, maxIds: 10 });
    }
  }
  token = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

const APP_HISTORY = `query ($c: ID!, $a: ID!, $after: String, $types: [AppHistoryEventType!], $since: DateTime) {
  appHistory(clientId: $c, appId: $a, first: 2, after: $after, types: $types, since: $since) { nodes { id } pageInfo { endCursor } } }`;
const CLIENT_HISTORY = `query ($c: ID!, $after: String, $types: [AppHistoryEventType!]) {
  client(id: $c) { history(first: 2, after: $after, types: $types) { nodes { id } pageInfo { endCursor } } } }`;
const APPS = `query ($c: ID!, $after: String, $approved: Boolean) {
  client(id: $c) { apps(first: 1, after: $after, approved: $approved) { nodes { id } pageInfo { endCursor } } } }`;

async function refusedAsCursor(query: string, variables: Record<string, unknown>) {
  const res = await gql(yoga, query, variables, token);
  expect(res.body.errors?.map((e) => [e.extensions?.code, e.extensions?.field, e.message])).toEqual([
    ['BAD_USER_INPUT', 'after', 'after is not a valid cursor for this list'],
  ]);
}

describe('cursors', () => {
  it('continue their own list, and are refused on another tenant, app, list or filter', async () => {
    const first = await gql(yoga, APP_HISTORY, { c: a.clientId, a: a.appIds[0] }, token);
    const after = first.body.data.appHistory.pageInfo.endCursor as string;
    const next = await gql(yoga, APP_HISTORY, { c: a.clientId, a: a.appIds[0], after }, token);
    expect(next.body.data.appHistory.nodes).toHaveLength(2);

    await refusedAsCursor(APP_HISTORY, { c: b.clientId, a: a.appIds[0], after });
    await refusedAsCursor(APP_HISTORY, { c: a.clientId, a: a.appIds[1], after });
    await refusedAsCursor(APP_HISTORY, { c: a.clientId, a: a.appIds[0], after, types: ['APPROVAL_STATUS_CHANGED'] });
    await refusedAsCursor(APP_HISTORY, { c: a.clientId, a: a.appIds[0], after, since: '2000-01-01T00:00:00Z' });
    await refusedAsCursor(CLIENT_HISTORY, { c: a.clientId, after });

    const audit = await gql(yoga, CLIENT_HISTORY, { c: a.clientId }, token);
    await refusedAsCursor(CLIENT_HISTORY, { c: b.clientId, after: audit.body.data.client.history.pageInfo.endCursor });
    await refusedAsCursor(APP_HISTORY, { c: a.clientId, a: a.appIds[0], after: audit.body.data.client.history.pageInfo.endCursor });

    const apps = await gql(yoga, APPS, { c: a.clientId }, token);
    const appsAfter = apps.body.data.client.apps.pageInfo.endCursor;
    expect((await gql(yoga, APPS, { c: a.clientId, after: appsAfter }, token)).body.errors).toBeUndefined();
    await refusedAsCursor(APPS, { c: b.clientId, after: appsAfter });
    await refusedAsCursor(APPS, { c: a.clientId, after: appsAfter, approved: false });
    await refusedAsCursor(APP_HISTORY, { c: a.clientId, a: a.appIds[0], after: appsAfter });
  });

  it('show nothing: no readable sequence number or time, and a changed byte is refused', async () => {
    const res = await gql(yoga, APP_HISTORY, { c: b.clientId, a: a.appIds[2] }, token);
    const cursor = res.body.data.appHistory.pageInfo.endCursor as string;
    const bytes = Buffer.from(cursor, 'base64url');
    const seq = (t.sqlite.prepare('SELECT max(seq) AS s FROM app_history_events WHERE client_id = ?').get(b.clientId) as { s: number }).s;
    expect(bytes.toString('latin1')).not.toContain(String(seq - 1));
    expect(() => JSON.parse(bytes.toString('utf8'))).toThrow();
    for (const i of [0, 13, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[i] = tampered[i]! ^ 1;
      await refusedAsCursor(APP_HISTORY, { c: b.clientId, a: a.appIds[2], after: tampered.toString('base64url') });
    }
  });

  it('keep encodeCursor/decodeCursor callable as before, with an optional binding', () => {
    const c = encodeCursor('thing', [42, 'x']);
    expect(decodeCursor('thing', c, ['number', 'string'])).toEqual([42, 'x']);
    expect(() => decodeCursor('other', c, ['number', 'string'])).toThrow('after is not a valid cursor for this list');
    const bound = encodeCursor('thing', [42, 'x'], 'client 1');
    expect(decodeCursor('thing', bound, ['number', 'string'], 'after', 'client 1')).toEqual([42, 'x']);
    expect(() => decodeCursor('thing', bound, ['number', 'string'], 'cursor', 'client 2')).toThrow('cursor is not a valid cursor for this list');
    expect(encodeCursor('thing', [42, 'x'])).toBe(c);
  });

  it('are sealed when first read, not when their page is built (most reads select no cursor)', async () => {
    const page = await listClientApps(t.db, { clientId: a.clientId, first: 1 });
    const second = (await listClientApps(t.db, { clientId: a.clientId, first: 2 })).items[1]!.id;
    const kept = currentCursorSecret();
    try {
      useCursorSecret(randomBytes(32));
      // Read only now: sealed with the secret of this moment, and the same on every read.
      const cursor = page.items[0]!.cursor;
      expect(page.items[0]!.cursor).toBe(cursor);
      expect((await listClientApps(t.db, { clientId: a.clientId, first: 1, after: cursor })).items.map((app) => app.id)).toEqual([second]);
      useCursorSecret(kept);
      await expect(listClientApps(t.db, { clientId: a.clientId, first: 1, after: cursor })).rejects.toThrow('after is not a valid cursor for this list');
    } finally {
      useCursorSecret(kept);
    }
  });

  it('of history pages are sealed when first read too', () => {
    const filter = { types: null, since: null, until: null };
    const page = clientHistoryPage(t.db, { clientId: a.clientId, first: 1, filter });
    const second = clientHistoryPage(t.db, { clientId: a.clientId, first: 2, filter }).items[1]!.id;
    const kept = currentCursorSecret();
    try {
      useCursorSecret(randomBytes(32));
      const cursor = page.items[0]!.cursor;
      expect(clientHistoryPage(t.db, { clientId: a.clientId, first: 1, after: cursor, filter }).items.map((e) => e.id)).toEqual([second]);
      useCursorSecret(kept);
      expect(() => clientHistoryPage(t.db, { clientId: a.clientId, first: 1, after: cursor, filter })).toThrow('after is not a valid cursor for this list');
    } finally {
      useCursorSecret(kept);
    }
  });

  it('stay valid across a restart: the secret is kept in the database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-cursor-'));
    try {
      const first = openDatabase(join(dir, 'c.db'));
      const cursor = encodeCursor('thing', [7]);
      first.close();
      useCursorSecret(randomBytes(32));
      expect(() => decodeCursor('thing', cursor, ['number'])).toThrow();
      const again = openDatabase(join(dir, 'c.db'));
      expect(decodeCursor('thing', cursor, ['number'])).toEqual([7]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
