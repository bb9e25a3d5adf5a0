import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { addAppHistoryNote, updateApp, type UpdateAppPatch } from '../src/services/app-details';
import { approveApps } from '../src/services/approvals';
import { getClientApp } from '../src/services/apps';
import { principalFor, seedTenant, testDatabase } from './helpers/db';
import { expectRefusal, tableCounts } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let clientId: string;
let appId: string;
let actor: Principal;

beforeEach(() => {
  t = testDatabase();
  const seeded = seedTenant(t.db, { appCount: 2 });
  clientId = seeded.clientId;
  appId = seeded.appIds[0]!;
  actor = principalFor(t.db);
  t.sql.reset();
});

const update = (patch: UpdateAppPatch, now?: Date) => updateApp(t.db, { clientId, appId, patch, actor, ...(now ? { now } : {}) });
const events = () =>
  (t.sqlite.prepare('SELECT type, data FROM app_history_events ORDER BY seq').all() as { type: string; data: string }[]).map((e) => ({
    type: e.type,
    data: JSON.parse(e.data),
  }));

const refusal = (fn: () => unknown) => expectRefusal(t.sqlite, fn);

describe('updateApp', () => {
  it('changes only the fields present and writes one APP_UPDATED event listing them', () => {
    const app = update({ ownerEmail: 'it@acme.test', riskLevel: 'HIGH', reason: 'quarterly review' });
    expect(app).toMatchObject({ ownerEmail: 'it@acme.test', riskLevel: 'HIGH', category: null, resolution: 'unresolved', version: 1 });
    expect(events()).toEqual([
      {
        type: 'APP_UPDATED',
        data: {
          changes: [
            { field: 'ownerEmail', from: null, to: 'it@acme.test' },
            { field: 'riskLevel', from: null, to: 'HIGH' },
          ],
          reason: 'quarterly review',
        },
      },
    ]);
    const next = update({ category: 'Design' });
    expect(next).toMatchObject({ ownerEmail: 'it@acme.test', riskLevel: 'HIGH', category: 'Design', version: 2 });
    expect(getClientApp(t.db, clientId, appId)).toEqual(next);
  });

  it('null clears a field', () => {
    update({ category: 'Design', riskLevel: 'LOW' });
    const app = update({ category: null });
    expect(app).toMatchObject({ category: null, riskLevel: 'LOW', version: 2 });
    expect(events()[1]!.data.changes).toEqual([{ field: 'category', from: 'Design', to: null }]);
  });

  it('an approval change writes APPROVAL_STATUS_CHANGED (like the bulk calls), other changes APP_UPDATED, one version bump', () => {
    const app = update({ isApproved: true, riskLevel: 'LOW', reason: 'vetted' });
    expect(app).toMatchObject({ resolution: 'approved', riskLevel: 'LOW', version: 1 });
    expect(app.decidedAt).toBeInstanceOf(Date);
    expect(events()).toEqual([
      { type: 'APPROVAL_STATUS_CHANGED', data: { from: 'unresolved', to: 'approved', reason: 'vetted' } },
      { type: 'APP_UPDATED', data: { changes: [{ field: 'riskLevel', from: null, to: 'LOW' }], reason: 'vetted' } },
    ]);
    expect(update({ isApproved: false })).toMatchObject({ resolution: 'unresolved', version: 2 });
  });

  it('a patch that changes nothing writes nothing and keeps the version', () => {
    update({ isApproved: true, category: 'Design' });
    const before = tableCounts(t.sqlite);
    const app = update({ isApproved: true, category: ' Design ', reason: 'no-op' });
    expect(app.version).toBe(1);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('refuses a stale expectedVersion with CONFLICT and writes nothing; the current one passes', () => {
    update({ category: 'A' });
    const error = refusal(() => update({ category: 'B', expectedVersion: 0 }));
    expect(error.code).toBe('CONFLICT');
    expect(error.details).toEqual({ expectedVersion: 0, actualVersion: 1 });
    expect(update({ category: 'B', expectedVersion: 1 })).toMatchObject({ category: 'B', version: 2 });
  });

  it('keeps the bulk calls and updateApp on one version line', () => {
    approveApps(t.db, { clientId, appIds: [appId], actor, maxIds: 10 });
    expect(getClientApp(t.db, clientId, appId).version).toBe(1);
    expect(refusal(() => update({ riskLevel: 'LOW', expectedVersion: 0 })).code).toBe('CONFLICT');
    // Attributes survive a bulk approval change.
    update({ riskLevel: 'LOW', expectedVersion: 1 });
    approveApps(t.db, { clientId, appIds: [appId], actor, maxIds: 10 });
    expect(getClientApp(t.db, clientId, appId)).toMatchObject({ riskLevel: 'LOW', resolution: 'approved', version: 2 });
  });

  it.each([
    [{}, 'input', 'input is an empty patch: set at least one of isApproved, ownerEmail, category, riskLevel'],
    [{ reason: 'why' }, 'input', 'input is an empty patch'],
    [{ isApproved: null }, 'input.isApproved', 'input.isApproved cannot be null'],
    [{ ownerEmail: 'not-an-email' }, 'input.ownerEmail', 'input.ownerEmail must be an email address'],
    [{ ownerEmail: 'a@b' }, 'input.ownerEmail', 'input.ownerEmail must be an email address'],
    [{ category: '   ' }, 'input.category', 'input.category must be 1 to 100 characters'],
    [{ category: 'x'.repeat(101) }, 'input.category', 'input.category must be 1 to 100 characters'],
    [{ category: 'ok', reason: 'r'.repeat(501) }, 'input.reason', 'input.reason must be at most 500 characters; got 501'],
    [{ category: 'ok', expectedVersion: -1 }, 'input.expectedVersion', 'input.expectedVersion cannot be negative'],
  ] as [UpdateAppPatch, string, string][])('refuses %j with BAD_USER_INPUT naming %s', (patch, field, message) => {
    const error = refusal(() => update(patch));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('NOT_FOUND for an app the catalog does not have', () => {
    const error = refusal(() => updateApp(t.db, { clientId, appId: 'ffffffff-ffff-ffff-ffff-ffffffffffff', patch: { category: 'x' }, actor }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('runs a fixed number of statements: read, history head, upsert, one event insert', () => {
    update({ isApproved: true, category: 'A', riskLevel: 'LOW', ownerEmail: 'a@b.test' });
    expect(t.sql.statements).toHaveLength(4);
  });
});

describe('addAppHistoryNote', () => {
  it('stores the trimmed note as a NOTE_ADDED event and never changes the app', () => {
    update({ category: 'A' });
    const before = getClientApp(t.db, clientId, appId);
    const event = addAppHistoryNote(t.db, { clientId, appId, note: '  Asked legal to review the DPA.  ', actor });
    expect(event).toMatchObject({ type: 'NOTE_ADDED', data: { note: 'Asked legal to review the DPA.' }, appId, clientId });
    expect(event.actor).toEqual({ id: actor.tokenId, kind: 'internal', name: actor.name });
    expect(getClientApp(t.db, clientId, appId)).toEqual(before);
  });

  it.each([
    ['', 'note must be 1 to 2000 characters after trimming; got 0'],
    ['   \n  ', 'note must be 1 to 2000 characters after trimming; got 0'],
    ['n'.repeat(2001), 'note must be 1 to 2000 characters after trimming; got 2001'],
  ])('refuses %j with BAD_USER_INPUT', (note, message) => {
    const error = refusal(() => addAppHistoryNote(t.db, { clientId, appId, note, actor }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(message);
  });

  it('accepts exactly 2000 characters', () => {
    expect(addAppHistoryNote(t.db, { clientId, appId, note: 'n'.repeat(2000), actor }).type).toBe('NOTE_ADDED');
  });
});
