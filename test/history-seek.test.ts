import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastestOf } from './helpers/timing';
import { seekHistory, type HistorySeekKey } from '../src/services/history-seek';
import { seedTenant, testDatabase } from './helpers/db';

/**
 * Finding 4: every history filter is an index seek. Client 1 / app 1 get
 * `count` events one second apart from T0, alternating types, plus ties (a
 * bulk call's events share one millisecond).
 */
const T0 = Date.UTC(2026, 0, 1);

function addEvents(sqlite: Database.Database, clientId: string, appId: string, count: number, opts: { firstSeq: number; at: (i: number) => number }) {
  const insert = sqlite.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @count - 1)
    INSERT INTO app_history_events (seq, client_seq, id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    SELECT @firstSeq + i, @firstSeq + i, printf('e%012d', @firstSeq + i), @clientId, @appId,
           CASE i % 2 WHEN 0 THEN 'APPROVAL_STATUS_CHANGED' ELSE 'APP_UPDATED' END, 't', 'internal', 't', '{}',
           CASE WHEN @tie THEN @t0 ELSE @t0 + i * 1000 END
    FROM n`);
  insert.run({ count, firstSeq: opts.firstSeq, clientId, appId, t0: opts.at(0), tie: opts.at(1) === opts.at(0) ? 1 : 0 });
}

function key(over: Partial<HistorySeekKey> & Pick<HistorySeekKey, 'clientId'>): HistorySeekKey {
  return { appId: null, first: 5, after: null, types: null, since: null, until: null, ...over };
}

let t: ReturnType<typeof testDatabase>;
let clientId: string;
let appId: string;
beforeAll(() => {
  t = testDatabase();
  const tenant = seedTenant(t.db, { appCount: 2 });
  clientId = tenant.clientId;
  appId = tenant.appIds[0]!;
  addEvents(t.sqlite, clientId, appId, 1000, { firstSeq: 1, at: (i) => T0 + i * 1000 });
});
afterAll(() => t.close());

describe('history listings are index seeks', () => {
  it('every filter shape plans as a SEARCH on the index that carries it (no SCAN, no temp B-tree over history)', () => {
    const shapes: Partial<HistorySeekKey>[] = [
      {},
      { types: ['NOTE_ADDED'] },
      { since: T0, until: T0 + 5000 },
      { types: ['APP_UPDATED', 'NOTE_ADDED'], until: T0 },
      { after: { at: T0 + 500_000, clientSeq: 501 } },
    ];
    for (const scope of [null, appId!]) {
      for (const shape of shapes) {
        t.sql.reset();
        seekHistory(t.db, [key({ clientId, appId: scope, ...shape })]);
        const [statement] = t.sql.statements;
        const plan = (t.sqlite.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...boundParams(statement!)) as { detail: string }[]).map((r) => r.detail);
        const history = plan.filter((d) => / h USING /.test(d));
        expect(history.length).toBeGreaterThan(0);
        for (const d of history) {
          // History's indexes are per type: an unfiltered page merges every type's run.
          const index = scope ? 'app_history_events_app_type_idx' : 'app_history_events_client_type_idx';
          expect(d).toMatch(new RegExp(`^SEARCH h USING COVERING INDEX ${index} \\(client_id=\\?`));
          expect(d).toMatch(/created_at/);
        }
        expect(plan.filter((d) => /SCAN (e|h)\b|USE TEMP B-TREE/.test(d))).toEqual([]);
      }
    }
  });

  it('filters, ties and cursors give exactly the matching events, newest first', () => {
    const [all] = seekHistory(t.db, [key({ clientId, appId, first: 3 })]);
    expect(all!.rows.map((r) => r.seq)).toEqual([1000, 999, 998]);
    const [typed] = seekHistory(t.db, [key({ clientId, appId, first: 3, types: ['APP_UPDATED'], until: T0 + 10_000 })]);
    expect(typed!.rows.map((r) => r.seq)).toEqual([10, 8, 6]);
    const [window] = seekHistory(t.db, [key({ clientId, first: 100, since: T0 + 3000, until: T0 + 6000 })]);
    expect(window!.rows.map((r) => r.seq)).toEqual([6, 5, 4]);
    expect(window!.hasNextPage).toBe(false);
    const [none] = seekHistory(t.db, [key({ clientId, first: 1, until: T0 - 1 })]);
    expect(none).toEqual({ rows: [], hasNextPage: false });
    const [next] = seekHistory(t.db, [key({ clientId, first: 2, types: ['APPROVAL_STATUS_CHANGED'], after: { at: T0 + 8000, clientSeq: 9 } })]);
    expect(next!.rows.map((r) => r.seq)).toEqual([7, 5]);
  });

  it('serves many listings with every filter shape in ONE statement', () => {
    t.sql.reset();
    const pages = seekHistory(t.db, [
      key({ clientId, appId, first: 2 }),
      key({ clientId, appId, first: 2, types: ['APP_UPDATED', 'NOTE_ADDED'], after: { at: T0 + 9000, clientSeq: 10 } }),
      key({ clientId, first: 1, since: T0 + 1000, until: T0 + 3000 }),
      key({ clientId, first: 3, types: ['APPROVAL_STATUS_CHANGED'], until: T0 + 5000 }),
    ]);
    expect(t.sql.statements).toHaveLength(1);
    expect(pages.map((p) => p.rows.map((r) => r.seq))).toEqual([[1000, 999], [8, 6], [3], [5, 3, 1]]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, true, false]);
  });

  it('a page costs the same with 1,000 or 101,000 events before it, and in a 100,000-event tie', () => {
    const other = testDatabase();
    const { clientId: c, appIds } = seedTenant(other.db, { appCount: 1 }) as { clientId: string; appIds: string[] };
    addEvents(other.sqlite, c, appIds[0]!, 1000, { firstSeq: 1, at: (i) => T0 + i * 1000 });
    const probes = (db: typeof other.db) => () => {
      seekHistory(db, [key({ clientId: c, appId: appIds[0]!, first: 1, until: T0 - 1 })]);
      seekHistory(db, [key({ clientId: c, first: 1, types: ['NOTE_ADDED'] })]);
      seekHistory(db, [key({ clientId: c, first: 10, since: T0, until: T0 + 2000 })]);
      seekHistory(db, [key({ clientId: c, appId: appIds[0]!, first: 10, after: { at: T0 + 1000, clientSeq: 2 } })]);
    };
    const small = fastestOf(probes(other.db));
    // 100,000 more events, newer than the pages asked for, half in one millisecond.
    addEvents(other.sqlite, c, appIds[0]!, 50_000, { firstSeq: 1001, at: (i) => T0 + 2_000_000 + i * 1000 });
    addEvents(other.sqlite, c, appIds[0]!, 50_000, { firstSeq: 60_001, at: () => T0 + 9_000_000_000 });
    const large = fastestOf(probes(other.db));
    const [deepInTie] = seekHistory(other.db, [key({ clientId: c, first: 2, after: { at: T0 + 9_000_000_000, clientSeq: 60_003 } })]);
    expect(deepInTie!.rows.map((r) => r.seq)).toEqual([60_002, 60_001]);
    const tie = fastestOf(() => seekHistory(other.db, [key({ clientId: c, first: 2, after: { at: T0 + 9_000_000_000, clientSeq: 60_003 } })]));
    const tieSmall = fastestOf(() => seekHistory(other.db, [key({ clientId: c, first: 2, after: { at: T0 + 9_000_000_000, clientSeq: 110_000 } })]));
    other.close();
    // A scan would be ~100× slower; the bound leaves room for a loaded machine.
    expect(large / small).toBeLessThan(3);
    expect(tie / tieSmall).toBeLessThan(3);
  }, 60_000);
});

/** Parameters of a logged statement: the test re-plans it with dummy values of the right count. */
function boundParams(statement: string): unknown[] {
  return Array.from({ length: (statement.match(/\?/g) ?? []).length }, () => '[]');
}
