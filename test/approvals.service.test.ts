import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { getClientApp } from '../src/services/apps';
import { principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { expectRefusal, tableCounts } from './helpers/tables';

const UNKNOWN = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

let t: ReturnType<typeof testDatabase>;
let clientId: string;
let appIds: string[];
let actor: Principal;

beforeEach(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 5 }));
  actor = principalFor(t.db);
  t.sql.reset();
});

function events() {
  return t.sqlite
    .prepare('SELECT app_id, type, actor_id, actor_kind, actor_name, data FROM app_history_events ORDER BY seq')
    .all() as { app_id: string; type: string; actor_id: string; actor_kind: string; actor_name: string; data: string }[];
}

const refusal = (fn: () => unknown) => expectRefusal(t.sqlite, fn);

describe('approveApps', () => {
  it('approves every known app and writes one APPROVAL_STATUS_CHANGED event per change, naming the actor', () => {
    const result = approveApps(t.db, { clientId, appIds: appIds.slice(0, 2), actor, maxIds: 1000 });
    expect(result).toEqual({ succeeded: appIds.slice(0, 2), failed: [], changed: appIds.slice(0, 2) });
    expect(getClientApp(t.db, clientId, appIds[0]!).resolution).toBe('approved');
    expect(events()).toEqual(
      appIds.slice(0, 2).map((appId) => ({
        app_id: appId,
        type: 'APPROVAL_STATUS_CHANGED',
        actor_id: actor.tokenId,
        actor_kind: 'internal',
        actor_name: 'internal test token',
        data: '{"from":"unresolved","to":"approved","reason":null,"approvedScopes":[]}',
      })),
    );
  });

  it('is idempotent: a repeated call succeeds, changes nothing and writes nothing', () => {
    approveApps(t.db, { clientId, appIds: appIds.slice(0, 2), actor, maxIds: 1000 });
    const before = tableCounts(t.sqlite);
    const version = t.sqlite.prepare('SELECT version FROM client_app_states WHERE app_id = ?').get(appIds[0]);
    const again = approveApps(t.db, { clientId, appIds: appIds.slice(0, 2), actor, maxIds: 1000 });
    expect(again).toEqual({ succeeded: appIds.slice(0, 2), failed: [], changed: [] });
    expect(tableCounts(t.sqlite)).toEqual(before);
    expect(t.sqlite.prepare('SELECT version FROM client_app_states WHERE app_id = ?').get(appIds[0])).toEqual(version);
  });

  it('reports unknown well-formed ids as APP_NOT_FOUND and still approves the rest (partial success)', () => {
    const result = approveApps(t.db, { clientId, appIds: [appIds[0]!, UNKNOWN], actor, maxIds: 1000 });
    expect(result.succeeded).toEqual([appIds[0]]);
    expect(result.failed).toEqual([{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }]);
    expect(events()).toHaveLength(1);
  });

  it('collapses duplicate ids, case-insensitively, keeping first-seen order', () => {
    const upper = appIds[1]!.toUpperCase();
    const result = approveApps(t.db, {
      clientId,
      appIds: [appIds[1]!, UNKNOWN, appIds[0]!, upper, UNKNOWN, appIds[0]!],
      actor,
      maxIds: 1000,
    });
    expect(result.succeeded).toEqual([appIds[1], appIds[0]]);
    expect(result.failed.map((f) => f.id)).toEqual([UNKNOWN]);
    expect(events()).toHaveLength(2);
  });

  it('only touches the calling client: another client of the same app stays unresolved', () => {
    const other = seedTenant(t.db, { clientNumber: 2 });
    approveApps(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 1000 });
    expect(getClientApp(t.db, other.clientId, appIds[0]!).resolution).toBe('unresolved');
  });
});

describe('removeAppApprovals', () => {
  it('unapproves approved apps with one event each, and succeeds without writing for apps never approved', () => {
    approveApps(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 1000 });
    const result = removeAppApprovals(t.db, { clientId, appIds: [appIds[0]!, appIds[1]!, UNKNOWN], actor, maxIds: 1000 });
    expect(result).toEqual({
      succeeded: [appIds[0], appIds[1]],
      failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }],
      changed: [appIds[0]],
    });
    expect(events().map((e) => e.data)).toEqual([
      '{"from":"unresolved","to":"approved","reason":null,"approvedScopes":[]}',
      '{"from":"approved","to":"unresolved","reason":null}',
    ]);
    expect(getClientApp(t.db, clientId, appIds[0]!).resolution).toBe('unresolved');
    const before = tableCounts(t.sqlite);
    expect(removeAppApprovals(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 1000 }).changed).toEqual([]);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('leaves a restricted app restricted: it is already not approved', () => {
    t.sqlite
      .prepare(
        "INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at) VALUES (?, ?, 'restricted', 1, 'x', 1, 1)",
      )
      .run(clientId, appIds[2]);
    const result = removeAppApprovals(t.db, { clientId, appIds: [appIds[2]!], actor, maxIds: 1000 });
    expect(result).toEqual({ succeeded: [appIds[2]], failed: [], changed: [] });
    expect(getClientApp(t.db, clientId, appIds[2]!).resolution).toBe('restricted');
  });
});

describe('bad input refuses the whole call and writes nothing', () => {
  it.each([
    ['an empty list', [] as string[], 'appIds must name at least one id'],
    [
      "the seed's own example body (two ids are not hexadecimal)",
      ['f1a2b3c4-d5e6-7890-abcd-ef1234567890', 'g2b3c4d5-e6f7-8901-bcde-f12345678901', 'h3c4d5e6-f7a8-9012-cdef-234567890123'],
      'appIds has ids that are not a UUID (8-4-4-4-12 hexadecimal): "g2b3c4d5-e6f7-8901-bcde-f12345678901", "h3c4d5e6-f7a8-9012-cdef-234567890123"',
    ],
    ['a valid id beside an empty string', [uuid(1), ''], 'appIds has an id that is not a UUID (8-4-4-4-12 hexadecimal): ""'],
    ['an id without dashes', ['00000000000040008000000000000001'], 'appIds has an id that is not a UUID'],
    ['an id with braces', [`{${uuid(1)}}`], 'appIds has an id that is not a UUID'],
  ])('%s', (_name, ids, message) => {
    for (const run of [approveApps, removeAppApprovals]) {
      const error = refusal(() => run(t.db, { clientId, appIds: ids, actor, maxIds: 1000 }));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(message);
      expect(t.sql.statements).toEqual([]);
    }
  });

  it('more distinct ids than the limit; duplicates do not count against it', () => {
    const ids = [uuid(1), uuid(2), uuid(3)];
    const error = refusal(() => approveApps(t.db, { clientId, appIds: ids, actor, maxIds: 2 }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('appIds names 3 distinct ids; at most 2 are allowed in one call');
    const ok = approveApps(t.db, { clientId, appIds: [uuid(1), uuid(2), uuid(1).toUpperCase()], actor, maxIds: 2 });
    expect(ok.succeeded).toEqual([uuid(1), uuid(2)]);
  });
});

describe('one transaction, a fixed number of statements', () => {
  it('rolls the whole call back when any statement fails: no state, no event', () => {
    t.sqlite.exec(`CREATE TRIGGER fail_on_third BEFORE INSERT ON app_history_events
      WHEN NEW.app_id = '${appIds[2]}' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    let failure: unknown;
    try {
      approveApps(t.db, { clientId, appIds: appIds.slice(0, 4), actor, maxIds: 1000 });
    } catch (error) {
      failure = error;
    }
    // Drizzle wraps the driver's error; the trigger's message is its cause.
    expect(((failure as Error).cause as Error).message).toBe('boom');
    expect(tableCounts(t.sqlite)).toMatchObject({ states: 0, events: 0 });
  });

  it('runs the same number of statements for 1, 50 and 1000 ids', () => {
    const big = seedTenant(t.db, { clientNumber: 3, appCount: 1000, firstApp: 100 });
    const counts: number[] = [];
    for (const n of [1, 50, 1000]) {
      t.sql.reset();
      const result = approveApps(t.db, { clientId: big.clientId, appIds: big.appIds.slice(0, n), actor, maxIds: 1000 });
      expect(result.changed.length).toBeGreaterThan(0);
      counts.push(t.sql.statements.length);
      removeAppApprovals(t.db, { clientId: big.clientId, appIds: big.appIds.slice(0, n), actor, maxIds: 1000 });
    }
    // lookup, the pending install requests it resolves, the client's history head, upsert, history
    expect(counts).toEqual([5, 5, 5]);
    t.sql.reset();
    approveApps(t.db, { clientId: big.clientId, appIds: big.appIds.slice(0, 1000), actor, maxIds: 1000 });
    approveApps(t.db, { clientId: big.clientId, appIds: big.appIds.slice(0, 1000), actor, maxIds: 1000 });
    // The first call's 5, then the repeat only looks up (the apps, then their pending requests): nothing to write.
    expect(t.sql.statements.length).toBe(7);
  });
});
