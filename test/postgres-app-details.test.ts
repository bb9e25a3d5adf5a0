/**
 * Issue 16: the single-app edit (updateApp, addAppHistoryNote) and the decision and workspace
 * listings (listAppDecisions in a workspace, listWorkspaceApps) on Postgres as on SQLite. The writes:
 * the same calls on both stores from the same rows give the same answers and errors and leave the
 * same rows (read raw); two pools editing one app with the same expectedVersion give one winner and
 * one CONFLICT. The listings: over the same rows (copied raw), the same pages, order and cursors, a
 * cursor from one store continuing the listing on the other, the same refusals, no other tenant's rows.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import * as pgSchema from '../src/db/postgres-schema';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import * as liteDetails from '../src/services/app-details';
import * as liteDecisions from '../src/services/app-decisions';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { decide } from '../src/services/decisions';
import { encodeCursor } from '../src/services/pagination';
import * as liteWorkspaces from '../src/services/workspaces';
import { createWorkspace, type Workspace } from '../src/services/workspaces';
import { openPostgres, type OpenedPostgres, type PgDb } from '../src/db/postgres';
import * as pgWorkspaces from '../src/store/postgres/workspaces';
import * as pgDecisions from '../src/store/postgres/app-decisions';
import * as pgDetails from '../src/store/postgres/app-details';
import { principalFor, uuid } from './helpers/db';
import { freshPostgresDatabase } from './helpers/postgres';
import { both, codesOf, outcome, pgFrom, playBoth, type Step } from './helpers/postgres-contract';
import { planNodes, statementOf as statementOfAt, type Statement } from './helpers/postgres-plans';

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BIZ = 'c0000000-0000-4000-8000-000000000002';
const ACME = 'c0000000-0000-4000-8000-000000000001';
const NOBODY = 'c0000000-0000-4000-8000-000000000099';
const W = ['e0000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000002'];
const T0 = 1_800_000_000_000;

/**
 * The seed both stores start from, built with the SQLite services and copied raw: a business of
 * directory MINE; app 1 public with two scopes, 2 private to OTHER, 3 private to MINE, 4 public and
 * restricted org-wide, 5 public, approved for one scope and flagged for re-approval, 6 public.
 */
function seedLite(): { lite: OpenedDatabase; actor: Principal } {
  const lite = openDatabase(':memory:');
  const db = lite.db;
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BIZ, name: 'Business', directoryId: MINE });
  createClient(db, { id: ACME, name: 'Acme' });
  W.forEach((id, i) => createWorkspace(db, { id, clientId: BIZ, name: `W${i}` }));
  createApp(db, { id: uuid(1), name: 'One', scopes: ['chat:write', 'files:read'] });
  createApp(db, { id: uuid(2), name: 'Two', scopes: ['chat:write'], ownerDirectoryId: OTHER });
  createApp(db, { id: uuid(3), name: 'Three', scopes: ['chat:write'], ownerDirectoryId: MINE });
  createApp(db, { id: uuid(4), name: 'Four', scopes: ['chat:write'] });
  createApp(db, { id: uuid(5), name: 'Five', scopes: ['chat:write', 'files:read'] });
  createApp(db, { id: uuid(6), name: 'Six' });
  const state = lite.sqlite.prepare(`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, approved_scopes, needs_reapproval, owner_email, version, updated_at)
    VALUES (?, ?, ?, ?, 'seed', ?, ?, ?, ?, ?)`);
  state.run(BIZ, uuid(4), 'restricted', T0, null, 0, null, 3, T0);
  state.run(BIZ, uuid(5), 'unresolved', T0, '["chat:write"]', 1, 'old@biz.test', 7, T0);
  return { lite, actor: principalFor(db) };
}

const SEEDED = ['directories', 'clients', 'workspaces', 'apps', 'tokens', 'client_app_states'];

type UpdateInput = Parameters<typeof liteDetails.updateApp>[1];
type NoteInput = Parameters<typeof liteDetails.addAppHistoryNote>[1];
const update = (name: string, input: (actor: Principal) => UpdateInput) => both(name, input, liteDetails.updateApp, pgDetails.updateApp);
// A note's event id is random on each store: left out of the comparison (its row key, time, place and cursor are not).
const note = (name: string, input: (actor: Principal) => NoteInput) => both(name, input, liteDetails.addAppHistoryNote, pgDetails.addAppHistoryNote, ['id']);
const decideOne = (name: string, input: (actor: Principal) => liteDecisions.DecideAppInput) => both(name, input, liteDecisions.decideApp, pgDecisions.decideApp);
const at = (s: number) => new Date(T0 + s * 1000);
const edit = (n: number, patch: liteDetails.UpdateAppPatch, now?: Date, clientId = BIZ) => (actor: Principal) => ({ clientId, appId: uuid(n), patch, actor, ...(now ? { now } : {}) });
const noteOn = (n: number, text: string, now?: Date, clientId = BIZ) => (actor: Principal) => ({ clientId, appId: uuid(n), note: text, actor, ...(now ? { now } : {}) });

const EDIT_STEPS: Step[] = [
  update('attributes, with a reason', edit(1, { ownerEmail: ' it@biz.test ', riskLevel: 'HIGH', reason: ' review ' }, at(1))),
  update('another field; the others stay', edit(1, { category: 'Design' }, at(2))),
  update('null clears a field', edit(1, { category: null, expectedVersion: 2 }, at(3))),
  update('a stale expectedVersion', edit(1, { riskLevel: 'LOW', expectedVersion: 2 }, at(4))),
  update('an approval and a field: two events, one version', edit(1, { isApproved: true, riskLevel: 'LOW', reason: 'vetted', expectedVersion: 3 }, at(5))),
  update('a patch that changes nothing', edit(1, { isApproved: true, riskLevel: 'LOW', ownerEmail: 'it@biz.test', reason: 'no-op' }, at(6))),
  update('an attribute of an approved app keeps its scopes', edit(1, { category: 'Chat' }, at(7))),
  decideOne('a decision in between: one version line', (actor) => ({ clientId: BIZ, workspaceId: null, subject: { appId: uuid(1) }, action: 'approve', scopes: ['chat:write'], actor, now: at(8) })),
  update('the version the decision left', edit(1, { riskLevel: 'MEDIUM', expectedVersion: 6 }, at(9))),
  update('unapproved', edit(1, { isApproved: false }, at(10))),
  update('an app with no state row yet, approved', edit(6, { isApproved: true, expectedVersion: 0 }, at(11))),
  update('a restricted app approved', edit(4, { isApproved: true, expectedVersion: 3 }, at(12))),
  update('an app that lost its approval, approved again', edit(5, { isApproved: true, ownerEmail: null }, at(13))),
  update('a clock that went back', edit(6, { category: 'Late' }, at(0))),
  update("the client's own private app", edit(3, { riskLevel: 'LOW' }, at(14))),
  update("another directory's private app", edit(2, { riskLevel: 'LOW' })),
  update('an unknown app', edit(99, { riskLevel: 'LOW' })),
  update('a malformed app id', (actor) => ({ clientId: BIZ, appId: 'nope', patch: { riskLevel: 'LOW' }, actor })),
  update('an unknown client, a public app', edit(1, { riskLevel: 'LOW' }, undefined, NOBODY)),
  update('an unknown client, a private app', edit(3, { riskLevel: 'LOW' }, undefined, NOBODY)),
  update('another client: its own state', edit(1, { riskLevel: 'HIGH', expectedVersion: 0 }, at(15), ACME)),
  update('an empty patch', edit(1, {})),
  update('only a reason', edit(1, { reason: 'why' })),
  update('isApproved null', edit(1, { isApproved: null })),
  update('a bad email', edit(1, { ownerEmail: 'a@b' })),
  update('a blank category', edit(1, { category: '   ' })),
  update('a reason too long', edit(1, { category: 'ok', reason: 'r'.repeat(501) })),
  update('a negative expectedVersion', edit(1, { category: 'ok', expectedVersion: -1 })),
  note('a note, trimmed', noteOn(1, '  Asked legal to review the DPA.  ', at(16))),
  note('a note with a clock that went back', noteOn(3, 'late', at(1))),
  note('an empty note', noteOn(1, '   \n ')),
  note('a note too long', noteOn(1, 'n'.repeat(2001))),
  note('a note of exactly 2000 characters', noteOn(6, 'n'.repeat(2000), at(17))),
  note("a note on another directory's private app", noteOn(2, 'x')),
  note('a note on an unknown app', noteOn(99, 'x')),
  note('a note for an unknown client', noteOn(1, 'x', undefined, NOBODY)),
  update('after the notes: the version is unchanged', edit(1, { category: 'After', expectedVersion: 8 }, at(18))),
];

describe('updateApp and addAppHistoryNote on Postgres', () => {
  it('answer, refuse and write as on SQLite, call for call', async () => {
    const { answers, rows } = await playBoth(seedLite, SEEDED, EDIT_STEPS);
    // The scenario exercised what it claims.
    expect(codesOf(answers)).toEqual([
      'ok', 'ok', 'ok', 'CONFLICT', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok',
      'NOT_FOUND', 'NOT_FOUND', 'BAD_USER_INPUT', 'NOT_FOUND', 'NOT_FOUND', 'ok',
      'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT',
      'ok', 'ok', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'ok', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'ok',
    ]);
    const byApp = new Map(rows.states.map((s) => [`${s['client_id']}/${s['app_id']}`, s]));
    expect(byApp.get(`${BIZ}/${uuid(1)}`)).toMatchObject({ resolution: 'unresolved', category: 'After', risk_level: 'MEDIUM', owner_email: 'it@biz.test', version: 9 });
    expect(byApp.get(`${BIZ}/${uuid(5)}`)).toMatchObject({ resolution: 'approved', approved_scopes: ['chat:write', 'files:read'], needs_reapproval: false, owner_email: null, version: 8 });
    expect(byApp.get(`${ACME}/${uuid(1)}`)).toMatchObject({ risk_level: 'HIGH', version: 1 });
    // The clock that went back: stamped with the head's time, never before the previous event.
    const events = rows.events.filter((e) => e['client_id'] === BIZ);
    expect(events.map((e) => e.client_seq)).toEqual(events.map((_, i) => i + 1));
    for (let i = 1; i < events.length; i++) expect(events[i]!.created_at as number).toBeGreaterThanOrEqual(events[i - 1]!.created_at as number);
    expect(events.filter((e) => e['type'] === 'NOTE_ADDED').map((e) => e.data)).toEqual([{ note: 'Asked legal to review the DPA.' }, { note: 'late' }, { note: 'n'.repeat(2000) }]);
  });

  it('two pools editing one app with the same expectedVersion: one winner, one CONFLICT, every round', async () => {
    const { lite: store, actor } = seedLite();
    const setup = await pgFrom(store, SEEDED, 1);
    store.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 2 }));
    const ROUNDS = 12;
    try {
      const dbs = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      for (let round = 0; round < ROUNDS; round++) {
        // Both read version `round` (app 6 has no state row yet: version 0), then both write at once.
        const answers = (await Promise.all(
          dbs.map((db, i) =>
            outcome(() => pgDetails.updateApp(db, { clientId: BIZ, appId: uuid(6), patch: { category: `round ${round} pool ${i}`, isApproved: round % 2 === 0, expectedVersion: round }, actor })),
          ),
        )) as { ok?: { version: number }; error?: { code: string; details: unknown } }[];
        expect(answers.filter((a) => a.ok).map((a) => a.ok!.version), `round ${round}`).toEqual([round + 1]);
        expect(answers.filter((a) => a.error).map((a) => [a.error!.code, a.error!.details]), `round ${round}`).toEqual([['CONFLICT', { expectedVersion: round, actualVersion: round + 1 }]]);
      }
      const check = pools[0]!;
      const [state] = (await check.query('SELECT version, resolution FROM client_app_states WHERE client_id = $1 AND app_id = $2', [BIZ, uuid(6)])).rows;
      expect(state).toEqual({ version: ROUNDS, resolution: 'unresolved' });
      // Each winner wrote its two events (approval and category), one chain, nothing of a loser.
      const events = (await check.query(`SELECT type, data, client_seq FROM app_history_events WHERE client_id = $1 ORDER BY created_at, client_seq`, [BIZ])).rows as { type: string; data: { from?: string; to?: string }; client_seq: string }[];
      expect(events.map((e) => Number(e.client_seq))).toEqual(events.map((_, i) => i + 1));
      expect(events.length).toBe(2 * ROUNDS);
      let last = 'unresolved';
      for (const e of events.filter((x) => x.type === 'APPROVAL_STATUS_CHANGED')) {
        expect(e.data.from).toBe(last);
        last = e.data.to!;
      }
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// The listings.

/**
 * Names whose order tells SQLite's lower() (ASCII folding, byte order) from a locale's: case-only
 * twins (ties broken by id), accented capitals lower() must not fold, punctuation between the
 * ASCII capitals and small letters, digits.
 */
const NAMES = ['apple', 'Apple', 'APPLE', 'Zeta', 'éclair', 'Éclair', 'Ångström', 'zebra', '_under', '[bracket', 'a b', 'a-b', 'ab', '10 apps', '9 apps', 'Mango', 'mango', 'Øre', 'beta', 'Beta'];
const LW = ['e0000000-0000-4000-8000-00000000000a', 'e0000000-0000-4000-8000-00000000000b', 'e0000000-0000-4000-8000-00000000000c'];
const LID = (n: number) => `a0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
let listLite: OpenedDatabase;
let listPg: OpenedPostgres;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  listLite = openDatabase(':memory:');
  const db = listLite.db;
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BIZ, name: 'Business', directoryId: MINE });
  createClient(db, { id: ACME, name: 'Acme' });
  workspaces.push(createWorkspace(db, { id: LW[0]!, clientId: BIZ, name: 'W0' }), createWorkspace(db, { id: LW[1]!, clientId: BIZ, name: 'W1' }));
  workspaces.push(createWorkspace(db, { id: LW[2]!, clientId: ACME, name: 'Acme W' }));
  // Ids out of name order, so the name order and the id tie-break both matter; every third app private to MINE, every seventh to OTHER.
  NAMES.forEach((name, i) => {
    const n = ((i * 7) % NAMES.length) + 1;
    const owner = i % 7 === 3 ? OTHER : i % 3 === 1 ? MINE : undefined;
    createApp(db, { id: LID(n), name, codeName: `app-${n}`, scopes: ['chat:write', 'files:read'], ...(owner ? { ownerDirectoryId: owner } : {}) });
  });
  const actor = principalFor(db);
  const ids = (pick: (n: number) => boolean) => NAMES.map((_, i) => LID(i + 1)).filter((_, i) => pick(i + 1));
  const call = (clientId: string, workspaceId: string | null, appIds: string[], action: 'approve' | 'restrict', scopes: string[] | null = null) =>
    decide(db, { clientId, workspaceId, appIds, action, scopes, reason: null, requestId: null, actor });
  // Only the apps each client may see are decided (decide refuses the others).
  const visibleTo = (clientId: string) => (n: number) => {
    const { o } = listLite.sqlite.prepare('SELECT owner_directory_id AS o FROM apps WHERE id = ?').get(LID(n)) as { o: string | null };
    return o === null || (clientId === BIZ && o === MINE);
  };
  call(BIZ, null, ids((n) => n % 4 === 0 && visibleTo(BIZ)(n)), 'restrict');
  call(BIZ, null, ids((n) => n % 5 === 0 && visibleTo(BIZ)(n)), 'approve');
  call(BIZ, LW[0]!, ids((n) => n % 2 === 1 && n % 4 !== 0 && visibleTo(BIZ)(n)), 'approve', ['chat:write']);
  call(BIZ, LW[0]!, ids((n) => n % 6 === 2 && visibleTo(BIZ)(n)), 'restrict');
  call(BIZ, LW[1]!, ids((n) => n % 3 === 0 && n % 4 !== 0 && visibleTo(BIZ)(n)), 'restrict');
  call(ACME, null, ids((n) => n % 3 === 2 && visibleTo(ACME)(n)), 'restrict');
  call(ACME, LW[2]!, ids((n) => n % 2 === 0 && visibleTo(ACME)(n)), 'approve');
  listPg = await pgFrom(listLite, [...SEEDED, 'workspace_app_decisions'], 2);
});

afterAll(async () => {
  listLite?.close();
  await listPg?.close();
});

/** Walks a listing page by page on both stores, the next page read with the other store's cursor; every page equal, cursors included. */
async function walkBoth<T extends { cursor: string }>(
  first: number,
  lite: (after: string | null) => { items: T[]; hasNextPage: boolean },
  pg: (after: string | null) => Promise<{ items: T[]; hasNextPage: boolean }>,
): Promise<T[]> {
  const seen: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const a = lite(after);
    const b = await pg(after);
    const shape = (p: { items: T[]; hasNextPage: boolean }) => ({ items: p.items.map((item) => ({ ...item, cursor: item.cursor })), hasNextPage: p.hasNextPage });
    expect(shape(b), `page ${page} after ${after}`).toEqual(shape(a));
    seen.push(...a.items);
    if (!a.hasNextPage) return seen;
    // Alternate: the SQLite cursor continues on Postgres, then the Postgres one on SQLite (they are the same string).
    after = (page % 2 === 0 ? a : b).items.at(-1)!.cursor;
  }
  throw new Error('listing did not end');
}

const visibleApps = (clientId: string) =>
  (listLite.sqlite.prepare(`SELECT a.id, a.name FROM apps AS a WHERE a.owner_directory_id IS NULL OR a.owner_directory_id = (SELECT directory_id FROM clients WHERE id = ?)`).all(clientId) as { id: string; name: string }[]);

describe('listWorkspaceApps on Postgres', () => {
  it('every visible app with its standing, by name, page by page as on SQLite; cursors the same on both stores', async () => {
    for (const workspace of workspaces) {
      for (const first of [1, 3, 7, 100]) {
        const items = await walkBoth(
          first,
          (after) => liteWorkspaces.listWorkspaceApps(listLite.db, { workspace, first, after }),
          (after) => pgWorkspaces.listWorkspaceApps(listPg.db, { workspace, first, after }),
        );
        // Exactly the apps this client may see (never another directory's private app), each once, in SQLite's lower() order.
        const expected = visibleApps(workspace.clientId)
          .map((a) => ({ id: a.id, k: a.name.replace(/[A-Z]/g, (c) => c.toLowerCase()) }))
          .sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : x.id < y.id ? -1 : 1))
          .map((a) => a.id);
        expect(items.map((i) => i.appId)).toEqual(expected);
      }
    }
    // The scenario has what it claims: private apps of both kinds, and every standing.
    expect(visibleApps(BIZ).length).toBeGreaterThan(visibleApps(ACME).length);
    const standings = new Set((await pgWorkspaces.listWorkspaceApps(listPg.db, { workspace: workspaces[0]!, first: 100 })).items.map((i) => `${i.resolution}/${i.source}`));
    expect([...standings].sort()).toEqual(['approved/org', 'approved/workspace', 'restricted/org', 'restricted/workspace', 'unresolved/none']);
  });

  it('refuses the same cursors with the same error: malformed, of another workspace, of another list, of another tenant', async () => {
    const [w0, w1, acme] = workspaces as [Workspace, Workspace, Workspace];
    const ofW1 = liteWorkspaces.listWorkspaceApps(listLite.db, { workspace: w1, first: 1 }).items[0]!.cursor;
    const ofAcme = liteWorkspaces.listWorkspaceApps(listLite.db, { workspace: acme, first: 1 }).items[0]!.cursor;
    const ofDecisions = liteDecisions.listAppDecisions(listLite.db, { clientId: BIZ, workspaceId: w0.id, resolution: 'approved', first: 1 }).items[0]!.cursor;
    const cases: [Workspace, string | null, number | null][] = [
      [w0, 'garbage', 2], [w0, '', 2], [w0, ofW1, 2], [w0, ofAcme, 2], [acme, ofW1, 2], [w0, ofDecisions, 2],
      [w0, encodeCursor('wsapp', [1, 2], w0.id), 2], [w0, encodeCursor('wsapp', ['a'], w0.id), 2], [w0, null, 0], [w0, null, 101],
    ];
    for (const [workspace, after, first] of cases) {
      const a = await outcome(() => liteWorkspaces.listWorkspaceApps(listLite.db, { workspace, first, after }));
      const b = await outcome(() => pgWorkspaces.listWorkspaceApps(listPg.db, { workspace, first, after }));
      expect(a, String(after)).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
      expect(b).toEqual(a);
    }
  });
});

describe('listAppDecisions in a workspace on Postgres', () => {
  it('approved and restricted, by app id, page by page as on SQLite; cursors the same on both stores; no other tenant seen', async () => {
    let listed = 0;
    for (const workspace of workspaces) {
      for (const resolution of ['approved', 'restricted'] as const) {
        for (const first of [1, 2, 100]) {
          const input = { clientId: workspace.clientId, workspaceId: workspace.id, resolution, first };
          const items = await walkBoth(
            first,
            (after) => liteDecisions.listAppDecisions(listLite.db, { ...input, after }),
            (after) => pgDecisions.listAppDecisions(listPg.db, { ...input, after }),
          );
          const rows = listLite.sqlite.prepare('SELECT app_id FROM workspace_app_decisions WHERE workspace_id = ? AND resolution = ? ORDER BY app_id').all(workspace.id, resolution) as { app_id: string }[];
          expect(items.map((d) => d.appId)).toEqual(rows.map((r) => r.app_id));
          if (first === 100) listed += items.length;
        }
      }
    }
    // Every decision row listed once, in its own workspace only (whose client the caller has checked, as on SQLite).
    expect(listed).toBe((listLite.sqlite.prepare('SELECT count(*) AS n FROM workspace_app_decisions').get() as { n: number }).n);
    expect(listed).toBeGreaterThan(8);
  });

  it('refuses the same cursors with the same error', async () => {
    const input = { clientId: BIZ, workspaceId: LW[0]!, resolution: 'approved' as const };
    const cursorOf = (i: Parameters<typeof liteDecisions.listAppDecisions>[1]) => liteDecisions.listAppDecisions(listLite.db, { ...i, first: 1 }).items[0]!.cursor;
    const cases: [typeof input | { clientId: string; workspaceId: string; resolution: 'approved' | 'restricted' }, string | null, number | null][] = [
      [input, 'garbage', 2],
      [input, cursorOf({ ...input, resolution: 'restricted' }), 2],
      [input, cursorOf({ ...input, workspaceId: LW[1]!, resolution: 'restricted' }), 2],
      [input, cursorOf({ clientId: ACME, workspaceId: LW[2]!, resolution: 'approved' }), 2],
      [{ clientId: ACME, workspaceId: LW[0]!, resolution: 'approved' }, cursorOf(input), 2],
      [input, liteWorkspaces.listWorkspaceApps(listLite.db, { workspace: workspaces[0]!, first: 1 }).items[0]!.cursor, 2],
      [input, encodeCursor('orgdec', [1], JSON.stringify([BIZ, LW[0], 'approved'])), 2],
      [input, encodeCursor('wsdec', [1], JSON.stringify([BIZ, LW[0], 'approved'])), 2],
      [input, null, 0],
    ];
    for (const [i, after, first] of cases) {
      const a = await outcome(() => liteDecisions.listAppDecisions(listLite.db, { ...i, first, after }));
      const b = await outcome(() => pgDecisions.listAppDecisions(listPg.db, { ...i, first, after }));
      expect(a, String(after)).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
      expect(b).toEqual(a);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The listings' plans on Postgres, over enough rows that a scan would show.


describe('the listings on Postgres are index seeks', () => {
  let big: OpenedPostgres;
  let url: string;
  const pools: pgDriver.Pool[] = [];
  const workspace: Workspace = { id: LW[0]!, clientId: BIZ, name: 'W0', createdAt: new Date(T0) };

  beforeAll(async () => {
    url = await freshPostgresDatabase();
    big = await openPostgres(url, { poolSize: 1 });
    const q = (text: string, params: unknown[] = []) => big.pool.query(text, params);
    await q(`INSERT INTO directories (id, name, created_at) VALUES ($1, 'Mine', 0), ($2, 'Other', 0)`, [MINE, OTHER]);
    await q(`INSERT INTO clients (id, name, directory_id, created_at) VALUES ($1, 'Business', $2, 0)`, [BIZ, MINE]);
    await q(`INSERT INTO workspaces (id, client_id, name, created_at) VALUES ($1, $2, 'W0', 0)`, [LW[0], BIZ]);
    // 6,000 apps: a third public, a third MINE's, a third OTHER's; names spread over the alphabet.
    await q(`
      INSERT INTO apps (id, code_name, name, scopes, owner_directory_id, created_at)
      SELECT 'a1000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'app-' || i, chr(65 + i % 26) || ' app ' || i, '["chat:write"]'::jsonb,
             CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN $1 ELSE $2 END, 0
      FROM generate_series(1, 6000) AS i`, [MINE, OTHER]);
    // Every visible app decided in the workspace, half approved, half restricted.
    await q(`
      INSERT INTO workspace_app_decisions (workspace_id, app_id, client_id, resolution, approved_scopes, decided_at, decided_by, decided_by_name)
      SELECT $1, a.id, $2, CASE WHEN right(a.id, 1)::int % 2 = 0 THEN 'approved' ELSE 'restricted' END, NULL, 0, 't', 'n'
      FROM apps AS a WHERE a.owner_directory_id IS NULL OR a.owner_directory_id = $3`, [LW[0], BIZ, MINE]);
    // Org-level states for a fifth of the apps: read per app of the page by their key, never walked.
    await q(`
      INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, version, updated_at)
      SELECT $1, a.id, 'restricted', 0, 1, 0 FROM apps AS a WHERE right(a.id, 1)::int % 5 = 0`, [BIZ]);
    await q('ANALYZE');
  });

  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await big?.close();
  });

  const statementOf = (read: (db: PgDb) => Promise<unknown>) => statementOfAt(url, pools, read);
  /** Every plan node of a statement run with its own parameters (EXPLAIN ANALYZE: what it actually read). */
  const plan = (statement: Statement) => planNodes(big.pool, statement);

  /** Every read of `table` is an index scan on `index` that reads about a page, never the table. */
  function expectSeek(nodes: Record<string, unknown>[], table: string, index: string, most: number, name: string) {
    const scans = nodes.filter((n) => n['Relation Name'] === table);
    expect(scans.length, name).toBeGreaterThan(0);
    for (const scan of scans) {
      expect([scan['Node Type'], scan['Index Name']], name).toEqual([expect.stringMatching(/^Index (Only )?Scan$/), index]);
      expect(Number(scan['Actual Rows']) + Number(scan['Rows Removed by Filter'] ?? 0), name).toBeLessThanOrEqual(most);
    }
  }

  it('Workspace.apps: each visible range a seek on apps_owner_name_idx from the cursor, a page of rows read', async () => {
    const first = 10;
    const page1 = await pgWorkspaces.listWorkspaceApps(big.db, { workspace, first: 100 });
    const deep = (await pgWorkspaces.listWorkspaceApps(big.db, { workspace, first: 100, after: page1.items.at(-1)!.cursor })).items.at(-1)!.cursor;
    for (const after of [null, deep]) {
      const nodes = await plan(await statementOf((db) => pgWorkspaces.listWorkspaceApps(db, { workspace, first, after })));
      const name = `after ${after ? 'a deep cursor' : 'nothing'}`;
      expectSeek(nodes, 'apps', 'apps_owner_name_idx', first + 2, name);
      expectSeek(nodes, 'client_app_states', 'client_app_states_client_id_app_id_pk', 1, name);
      expectSeek(nodes, 'workspace_app_decisions', 'workspace_app_decisions_workspace_id_app_id_pk', 1, name);
      // OTHER's private apps are never read: two ranges, the public one and MINE's.
      expect(nodes.filter((n) => n['Relation Name'] === 'apps').length).toBe(2);
    }
  });

  it("a workspace's decisions: a seek on workspace_app_decisions_listing_idx from the cursor", async () => {
    const first = 10;
    const input = { clientId: BIZ, workspaceId: LW[0]!, resolution: 'approved' as const };
    const deep = (await pgDecisions.listAppDecisions(big.db, { ...input, first: 100 })).items.at(-1)!.cursor;
    for (const after of [null, deep]) {
      const nodes = await plan(await statementOf((db) => pgDecisions.listAppDecisions(db, { ...input, first, after })));
      expectSeek(nodes, 'workspace_app_decisions', 'workspace_app_decisions_listing_idx', first + 1, `after ${after ? 'a deep cursor' : 'nothing'}`);
    }
  });
});

describe('updateApp approving on Postgres while the catalog changes the app', () => {
  it("waits for a scope change under way and approves the app's new scopes, never the old ones", async () => {
    const url = await freshPostgresDatabase();
    const pg = await openPostgres(url, { poolSize: 3 });
    const APP = 'a0000000-0000-4000-8000-0000000000f1';
    try {
      await pg.pool.query(`INSERT INTO clients (id, name, created_at) VALUES ($1, 'Race', 0)`, [ACME]);
      await pg.pool.query(`INSERT INTO apps (id, code_name, name, scopes, hidden_from_market, created_at) VALUES ($1, 'race', 'Race', '["old"]', false, 0)`, [APP]);
      const actor: Principal = { tokenId: 't', kind: 'internal', name: 'race', clientId: null, scopes: ['apps:read', 'apps:write'] };
      // A catalog update holds the app row (as app-catalog.ts does) and has changed its scopes, not yet committed.
      const catalog = await pg.pool.connect();
      await catalog.query('BEGIN');
      await catalog.query('SELECT 1 FROM apps WHERE id = $1 FOR NO KEY UPDATE', [APP]);
      await catalog.query(`UPDATE apps SET scopes = '["new"]' WHERE id = $1`, [APP]);
      let settled = false;
      const approving = pgDetails.updateApp(pg.db, { clientId: ACME, appId: APP, patch: { isApproved: true }, actor }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waited = !settled;
      await catalog.query('COMMIT');
      catalog.release();
      const approved = await approving;
      expect(waited).toBe(true);
      expect(approved.resolution).toBe('approved');
      const { rows } = await pg.pool.query('SELECT approved_scopes FROM client_app_states WHERE client_id = $1 AND app_id = $2', [ACME, APP]);
      expect(rows[0].approved_scopes).toEqual(['new']);
    } finally {
      await pg.close();
    }
  });
});
