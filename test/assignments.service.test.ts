import { beforeEach, describe, expect, it } from 'vitest';
import { resolvePrincipal } from '../src/auth/tokens';
import type { Principal } from '../src/auth/principal';
import { assignApp, unassignApp } from '../src/services/assignments';
import { listAssignmentEvents, listAssignments } from '../src/services/assignment-lists';
import { mapV1Assign, type V1AssignArgs } from '../src/services/assignment-v1';
import { seedDirectories, testDatabase } from './helpers/db';
import { expectRefusal, tableCounts } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let seeded: ReturnType<typeof seedDirectories>;
let as: Record<keyof ReturnType<typeof seedDirectories>['tokens'], Principal>;

beforeEach(() => {
  t = testDatabase();
  seeded = seedDirectories(t.db);
  as = Object.fromEntries(
    Object.entries(seeded.tokens).map(([k, token]) => [k, resolvePrincipal(t.db, `Bearer ${token}`)!]),
  ) as typeof as;
});

const at = (ms: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, 0, ms));

describe('assignApp', () => {
  it('creates, then changes nothing for the same mode, then updates for another mode; each change is one event', () => {
    const assignee = { type: 'business' as const, id: seeded.ids.myBusiness };
    const first = assignApp(t.db, { actor: as.directory, appCodeName: 'my-app', assignee, mode: 'INTERNAL', now: at(1) });
    expect(first.outcome).toBe('CREATED');
    expect(first.assignment).toMatchObject({
      appCodeName: 'my-app', assigneeType: 'business', assigneeId: seeded.ids.myBusiness, mode: 'INTERNAL', createdAt: at(1), updatedAt: at(1),
    });

    const before = tableCounts(t.sqlite);
    const again = assignApp(t.db, { actor: as.directory, appCodeName: 'my-app', assignee, mode: 'INTERNAL', now: at(2) });
    expect(again).toEqual({ outcome: 'UNCHANGED', assignment: first.assignment });
    expect(tableCounts(t.sqlite)).toEqual(before);

    const changed = assignApp(t.db, { actor: as.internal, appCodeName: 'my-app', assignee, mode: 'PRE_INSTALLED', now: at(3) });
    expect(changed.outcome).toBe('MODE_CHANGED');
    expect(changed.assignment).toMatchObject({ id: first.assignment.id, mode: 'PRE_INSTALLED', createdAt: at(1), updatedAt: at(3) });
    expect(tableCounts(t.sqlite)).toMatchObject({ assignments: 1, assignmentEvents: 2 });

    const history = listAssignmentEvents(t.db, as.internal, { filter: { assignee } });
    expect(history.items.map((e) => [e.type, e.fromMode, e.toMode, e.actor.name, e.createdAt])).toEqual([
      ['MODE_CHANGED', 'INTERNAL', 'PRE_INSTALLED', 'ops', at(3)],
      ['ASSIGNED', null, 'INTERNAL', 'my directory bot', at(1)],
    ]);
  });

  it('runs a fixed number of statements: 5 to create, 3 when nothing changes, 5 to change the mode, 3 to remove', () => {
    const assignee = { type: 'business' as const, id: seeded.ids.myBusiness };
    const counted = (run: () => unknown) => {
      t.sql.reset();
      run();
      return t.sql.statements.length;
    };
    const call = (mode: 'INTERNAL' | 'STANDARD') => assignApp(t.db, { actor: as.internal, appCodeName: 'public-app', assignee, mode });
    expect(counted(() => call('INTERNAL'))).toBe(5);
    expect(counted(() => call('INTERNAL'))).toBe(3);
    expect(counted(() => call('STANDARD'))).toBe(5);
    const { id } = listAssignments(t.db, as.internal, { filter: { assignee } }).items[0]!;
    expect(counted(() => unassignApp(t.db, { actor: as.internal, id }))).toBe(3);
  });

  it('removal deletes the assignment and keeps its history, with an UNASSIGNED event', () => {
    const assignee = { type: 'directory' as const, id: seeded.ids.mine };
    const { assignment } = assignApp(t.db, { actor: as.internal, appCodeName: 'public-app', assignee, mode: 'STANDARD', now: at(1) });
    const removed = unassignApp(t.db, { actor: as.internal, id: assignment.id, now: at(2) });
    expect(removed).toEqual(assignment);
    expect(tableCounts(t.sqlite)).toMatchObject({ assignments: 0, assignmentEvents: 2 });
    expect(listAssignments(t.db, as.internal, { filter: { assignee } }).items).toEqual([]);
    const history = listAssignmentEvents(t.db, as.internal, { filter: { assignee, appCodeName: 'public-app' } });
    expect(history.items.map((e) => [e.type, e.assignmentId, e.fromMode, e.toMode])).toEqual([
      ['UNASSIGNED', assignment.id, 'STANDARD', null],
      ['ASSIGNED', assignment.id, null, 'STANDARD'],
    ]);
    // Append-only, like app history.
    expect(() => t.sqlite.exec('DELETE FROM app_assignment_events')).toThrow('append-only');
    expect(() => t.sqlite.exec("UPDATE app_assignment_events SET to_mode = 'BUILT_IN'")).toThrow('append-only');
  });

  it('BUILT_IN only through the v1 mapping (allowBuiltIn); v3 refuses it, writing nothing', () => {
    const assignee = { type: 'directory' as const, id: seeded.ids.mine };
    const error = expectRefusal(t.sqlite, () => assignApp(t.db, { actor: as.internal, appCodeName: 'public-app', assignee, mode: 'BUILT_IN' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('not supported in v3');
    const v1 = mapV1Assign({ directoryUid: seeded.ids.mine, builtIn: 'true' });
    const made = assignApp(t.db, { actor: as.internal, appCodeName: 'public-app', ...v1, allowBuiltIn: true });
    expect(made.assignment.mode).toBe('BUILT_IN');
  });

  it.each([
    ['a client token (TOKEN_KIND)', 'client', 'my-app', 'business', 'myBusiness', 'INTERNAL', 'TOKEN_KIND'],
    ["a foreign directory's business", 'directory', 'my-app', 'business', 'theirBusiness', 'INTERNAL', 'OWN_ASSIGNEE'],
    ['another directory', 'directory', 'my-app', 'directory', 'theirs', 'INTERNAL', 'OWN_ASSIGNEE'],
    ['a public app', 'directory', 'public-app', 'directory', 'mine', 'INTERNAL', 'OWN_APP'],
    ["another directory's app", 'directory', 'their-app', 'business', 'myBusiness', 'INTERNAL', 'OWN_APP'],
    ['a non-hidden mode', 'directory', 'my-app', 'directory', 'mine', 'STANDARD', 'INTERNAL_MODE'],
    ['PRE_INSTALLED to a business', 'directory', 'my-app', 'business', 'myBusiness', 'PRE_INSTALLED', 'INTERNAL_MODE'],
  ] as const)('refuses %s with FORBIDDEN naming the rule, writing nothing', (_name, who, app, type, assigneeKey, mode, rule) => {
    const error = expectRefusal(t.sqlite, () =>
      assignApp(t.db, { actor: as[who], appCodeName: app, assignee: { type, id: seeded.ids[assigneeKey] }, mode }),
    );
    expect([error.code, error.details]).toEqual(['FORBIDDEN', { rule }]);
  });

  it('a directory token cannot remove another directory\'s assignment, and an unknown id answers the same', () => {
    const { assignment } = assignApp(t.db, {
      actor: as.theirDirectory, appCodeName: 'their-app', assignee: { type: 'directory', id: seeded.ids.theirs }, mode: 'INTERNAL',
    });
    const foreign = expectRefusal(t.sqlite, () => unassignApp(t.db, { actor: as.directory, id: assignment.id }));
    const unknown = expectRefusal(t.sqlite, () => unassignApp(t.db, { actor: as.directory, id: 'ffffffff-ffff-4fff-8fff-ffffffffffff' }));
    expect([foreign.code, foreign.message, foreign.details]).toEqual([unknown.code, unknown.message, unknown.details]);
    expect(foreign.details).toEqual({ rule: 'OWN_ASSIGNEE' });
    expect(expectRefusal(t.sqlite, () => unassignApp(t.db, { actor: as.internal, id: 'ffffffff-ffff-4fff-8fff-ffffffffffff' })).code).toBe('NOT_FOUND');
  });

  it('never gives a removed assignment\'s seq again, so a cursor taken before the removal still pages on', () => {
    const assignee = { type: 'directory' as const, id: seeded.ids.mine };
    const a = assignApp(t.db, { actor: as.internal, appCodeName: 'public-app', assignee, mode: 'STANDARD', now: at(1) }).assignment;
    const b = assignApp(t.db, { actor: as.internal, appCodeName: 'my-app', assignee, mode: 'STANDARD', now: at(2) }).assignment;
    const before = listAssignments(t.db, as.internal, { filter: { assignee } });
    expect(before.items.map((s) => s.id)).toEqual([a.id, b.id]);
    const [afterA, afterB] = before.items.map((s) => s.cursor);
    // The newest assignment goes: SQLite would hand its rowid to the next insert unless the key is AUTOINCREMENT.
    unassignApp(t.db, { actor: as.internal, id: b.id, now: at(3) });
    const c = assignApp(t.db, { actor: as.internal, appCodeName: 'my-app', assignee, mode: 'INTERNAL', now: at(4) }).assignment;
    expect(c.seq).toBeGreaterThan(b.seq);
    // A cursor taken at the removed one continues to what came after it; one taken earlier sees it once.
    expect(listAssignments(t.db, as.internal, { filter: { assignee }, after: afterB }).items.map((s) => s.id)).toEqual([c.id]);
    expect(listAssignments(t.db, as.internal, { filter: { assignee }, after: afterA }).items.map((s) => s.id)).toEqual([c.id]);
    expect(listAssignments(t.db, as.internal, { filter: { assignee } }).items.map((s) => [s.id, s.seq])).toEqual([[a.id, a.seq], [c.id, c.seq]]);
  });
});

describe('the v1 → v3 parameter mapping (seed 003 table, row by row)', () => {
  const dir = 'd0000000-0000-4000-8000-000000000001';
  const biz = 'b0000000-0000-4000-8000-000000000001';
  it.each([
    ['business_uid → assignee_uid with assignee_type "business"', { businessUid: biz }, { type: 'business', id: biz }, 'STANDARD'],
    ['directory_uid → assignee_uid with assignee_type "directory"', { directoryUid: dir }, { type: 'directory', id: dir }, 'STANDARD'],
    ['is_internal "true" → assignment_mode "internal"', { directoryUid: dir, isInternal: 'true' }, { type: 'directory', id: dir }, 'INTERNAL'],
    ['pre_installed "true" → assignment_mode "pre_installed"', { directoryUid: dir, preInstalled: 'true' }, { type: 'directory', id: dir }, 'PRE_INSTALLED'],
    ['built_in "true" → not supported in v3 (BUILT_IN, v1 only)', { directoryUid: dir, builtIn: 'true' }, { type: 'directory', id: dir }, 'BUILT_IN'],
    ['hide_from_market "true" with business_uid → internal', { businessUid: biz, hideFromMarket: 'true' }, { type: 'business', id: biz }, 'INTERNAL'],
    ['flags "false" are the same as absent', { directoryUid: dir, isInternal: 'false', builtIn: 'false' }, { type: 'directory', id: dir }, 'STANDARD'],
  ] as const)('%s', (_row, args, assignee, mode) => {
    expect(mapV1Assign(args as V1AssignArgs)).toEqual({ assignee, mode });
  });

  it.each([
    ['both directory_uid and business_uid', { directoryUid: dir, businessUid: biz }, 'name exactly one of directoryUid (directory_uid) and businessUid (business_uid)'],
    ['neither', { isInternal: 'true' }, 'name exactly one of directoryUid (directory_uid) and businessUid (business_uid)'],
    ['a flag that is not "true"/"false"', { directoryUid: dir, isInternal: 'yes' }, 'isInternal (is_internal) must be "true" or "false"; got "yes"'],
    ['more than one mode flag', { directoryUid: dir, isInternal: 'true', preInstalled: 'true' }, 'at most one mode flag may be "true"; got isInternal (is_internal) and preInstalled (pre_installed)'],
    ['is_internal with business_uid', { businessUid: biz, isInternal: 'true' }, 'isInternal (is_internal) may be used with directoryUid (directory_uid) only'],
    ['pre_installed with business_uid', { businessUid: biz, preInstalled: 'false' }, 'preInstalled (pre_installed) may be used with directoryUid (directory_uid) only'],
    ['built_in with business_uid', { businessUid: biz, builtIn: 'true' }, 'builtIn (built_in) may be used with directoryUid (directory_uid) only'],
    ['an id that is not a UUID', { directoryUid: 'def456' }, 'directoryUid must be a UUID'],
  ] as const)('refuses %s with BAD_USER_INPUT', (_name, args, message) => {
    expect(() => mapV1Assign(args as V1AssignArgs)).toThrow(message);
  });
});
