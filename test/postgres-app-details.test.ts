/**
 * Issue 16: the single-app edit (updateApp, addAppHistoryNote) and the decision and workspace
 * listings (listAppDecisions, listWorkspaceApps) on Postgres as on SQLite. The writes: the same calls
 * on both stores from the same rows give the same answers and errors and leave the same rows (read
 * raw); two pools editing one app with the same expectedVersion give one winner and one CONFLICT.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import * as pgSchema from '../src/db/postgres-schema';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import * as liteDetails from '../src/services/app-details';
import * as liteDecisions from '../src/services/app-decisions';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { createWorkspace } from '../src/services/workspaces';
import * as pgDecisions from '../src/store/postgres/app-decisions';
import * as pgDetails from '../src/store/postgres/app-details';
import { principalFor, uuid } from './helpers/db';
import { both, codesOf, outcome, pgFrom, playBoth, type Step } from './helpers/postgres-contract';

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
