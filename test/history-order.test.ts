import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { decideApp, updateAppCatalog } from '../src/services/app-decisions';
import { addAppHistoryNote, updateApp } from '../src/services/app-details';
import { approveApps, removeAppApprovals, restrictApps } from '../src/services/approvals';
import { clientHistoryPage, historyListOf, historyPages, type HistoryEvent, type HistoryFilter } from '../src/services/history';
import { cancelInstallRequest, createInstallRequest } from '../src/services/install-requests';
import { encodeCursor } from '../src/services/pagination';
import { createWorkspace } from '../src/services/workspaces';
import { principalFor, seedTenant, testDatabase } from './helpers/db';

/**
 * History order is commit order, in one process: a writer whose clock is
 * behind (set back, or another process's) still lists after what committed
 * before it. Every path that appends history is driven with a clock that goes
 * backwards from one transaction to the next.
 */
const T = Date.UTC(2026, 5, 1, 12);
const NO_FILTER: HistoryFilter = { types: null, since: null, until: null };

let t: ReturnType<typeof testDatabase>;
let clientId: string;
let appIds: string[];
let actor: Principal;

beforeEach(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 4 }));
  actor = principalFor(t.db);
});

/** The whole client-wide history, newest first, paged `first` at a time through its cursors. */
function clientHistory(first = 100): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const page = clientHistoryPage(t.db, { clientId, first, after, filter: NO_FILTER });
    events.push(...page.items);
    if (!page.hasNextPage) return events;
    after = page.items.at(-1)!.cursor;
  }
}

function appHistory(appId: string): HistoryEvent[] {
  return historyPages(t.db, [{ clientId, appId, first: 100, after: null, filter: NO_FILTER }])[0]!.items;
}

const statusChain = (events: HistoryEvent[]) =>
  events.flatMap((e) => (e.type === 'APPROVAL_STATUS_CHANGED' ? [`${e.data.from}>${e.data.to}`] : []));

describe('history order is commit order in one process', () => {
  it('a bulk call whose clock went back lists as newer than the one before it, at no earlier time', () => {
    approveApps(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 10, now: new Date(T) });
    removeAppApprovals(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 10, now: new Date(T - 60_000) });
    const events = appHistory(appIds[0]!);
    // Newest first, each event's `from` is the `to` of the one below it.
    expect(statusChain(events)).toEqual(['approved>unresolved', 'unresolved>approved']);
    expect(events.map((e) => e.createdAt.getTime())).toEqual([T, T]);
  });

  it('every path that writes history appends after what committed before it, whatever its clock says', () => {
    const ws = createWorkspace(t.db, { clientId, name: 'Ops' });
    const clock = (() => {
      let now = T;
      return () => new Date((now -= 1000));
    })();
    const [a, b, c] = appIds as [string, string, string];
    const steps: [string, () => unknown][] = [
      ['approveApps', () => approveApps(t.db, { clientId, appIds: [a, b], actor, maxIds: 10, now: clock() })],
      ['updateApp', () => updateApp(t.db, { clientId, appId: a, patch: { category: 'Design' }, actor, now: clock() })],
      ['addAppHistoryNote', () => addAppHistoryNote(t.db, { clientId, appId: b, note: 'checked', actor, now: clock() })],
      ['requestAppInstall', () => createInstallRequest(t.db, { clientId, workspaceId: ws.id, appId: c, actor, now: clock() })],
      ['decideApp', () => decideApp(t.db, { clientId, workspaceId: ws.id, subject: { appId: b }, action: 'restrict', actor, now: clock() })],
      ['restrictApps', () => restrictApps(t.db, { clientId, appIds: [a], actor, maxIds: 10, now: clock() })],
      ['updateAppCatalog', () => updateAppCatalog(t.db, { appId: b, scopes: ['files:read'], actor, now: clock() })],
    ];
    const written: string[][] = [];
    for (const [name, step] of steps) {
      const before = new Set(clientHistory().map((e) => e.id));
      step();
      const added = clientHistory().filter((e) => !before.has(e.id));
      expect(added.length, name).toBeGreaterThan(0);
      written.push(added.map((e) => e.id));
    }
    // The request is cancelled last, by a clock further back still.
    const pending = clientHistory().find((e) => e.type === 'INSTALL_REQUEST_CREATED')!;
    cancelInstallRequest(t.db, { clientId, workspaceId: ws.id, requestId: (pending.data as { requestId: string }).requestId, actor, now: clock() });

    const history = clientHistory();
    expect(history[0]!.type).toBe('INSTALL_REQUEST_CANCELLED');
    // Each step's events sit above every earlier step's, newest first.
    const position = new Map(history.map((e, i) => [e.id, i]));
    for (let k = 1; k < written.length; k++) {
      const newestOfEarlier = Math.min(...written[k - 1]!.map((id) => position.get(id)!));
      const oldestOfLater = Math.max(...written[k]!.map((id) => position.get(id)!));
      expect(oldestOfLater, `${steps[k]![0]} lists above ${steps[k - 1]![0]}`).toBeLessThan(newestOfEarlier);
    }
    // Times never go back along the listing: the first write's time holds for everything after it.
    const times = history.map((e) => e.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(new Set(times)).toEqual(new Set([T - 1000]));
    // Per client, events are numbered 1, 2, 3, ... in commit order, and the head holds the last number and time.
    const rows = t.sqlite.prepare('SELECT client_seq FROM app_history_events WHERE client_id = ? ORDER BY seq').all(clientId) as { client_seq: number }[];
    expect(rows.map((r) => r.client_seq)).toEqual(rows.map((_, i) => i + 1));
    expect(t.sqlite.prepare('SELECT history_seq, history_at FROM clients WHERE id = ?').get(clientId)).toEqual({ history_seq: rows.length, history_at: T - 1000 });
  });

  it('the state a call writes carries its event time, so both agree when the clock went back', () => {
    approveApps(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 10, now: new Date(T) });
    const app = updateApp(t.db, { clientId, appId: appIds[0]!, patch: { isApproved: false }, actor, now: new Date(T - 5000) });
    expect(app.decidedAt).toEqual(new Date(T));
    expect(app.updatedAt).toEqual(new Date(T));
    expect(appHistory(appIds[0]!)[0]!.createdAt).toEqual(new Date(T));
  });

  it('pages through a tie (one call, one millisecond) and across calls in commit order', () => {
    approveApps(t.db, { clientId, appIds, actor, maxIds: 10, now: new Date(T) });
    removeAppApprovals(t.db, { clientId, appIds: appIds.slice(0, 2), actor, maxIds: 10, now: new Date(T - 1) });
    const whole = clientHistory(100);
    expect(whole).toHaveLength(6);
    expect(clientHistory(1).map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(clientHistory(4).map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(statusChain(whole.slice(0, 2))).toEqual(['approved>unresolved', 'approved>unresolved']);
  });
});

describe('cursors issued before events were numbered per client', () => {
  it('continue where they were issued: their event is looked up once, then the page is the same seek', () => {
    approveApps(t.db, { clientId, appIds, actor, maxIds: 10, now: new Date(T) });
    const whole = clientHistory();
    const rows = t.sqlite.prepare('SELECT id, seq, created_at FROM app_history_events WHERE client_id = ?').all(clientId) as { id: string; seq: number; created_at: number }[];
    const third = rows.find((r) => r.id === whole[2]!.id)!;
    const legacy = encodeCursor('hist', [third.created_at, third.seq], historyListOf({ clientId, appId: null, filter: NO_FILTER }));
    t.sql.reset();
    const page = clientHistoryPage(t.db, { clientId, first: 10, after: legacy, filter: NO_FILTER });
    expect(page.items.map((e) => e.id)).toEqual(whole.slice(3).map((e) => e.id));
    expect(t.sql.statements).toHaveLength(2);
    // The new cursors are not the old ones, and continue the same way.
    expect(whole[2]!.cursor).not.toBe(legacy);
    expect(clientHistoryPage(t.db, { clientId, first: 10, after: whole[2]!.cursor, filter: NO_FILTER }).items.map((e) => e.id)).toEqual(
      whole.slice(3).map((e) => e.id),
    );
  });

  it('are refused like any foreign cursor when their event is not on this list', () => {
    const other = seedTenant(t.db, { clientNumber: 2, appCount: 0 });
    approveApps(t.db, { clientId, appIds, actor, maxIds: 10, now: new Date(T) });
    approveApps(t.db, { clientId: other.clientId, appIds: [appIds[0]!], actor, maxIds: 10, now: new Date(T) });
    const foreign = t.sqlite.prepare('SELECT seq, created_at FROM app_history_events WHERE client_id = ?').get(other.clientId) as { seq: number; created_at: number };
    // Sealed for this client's list, naming the other client's event.
    const forged = encodeCursor('hist', [foreign.created_at, foreign.seq], historyListOf({ clientId, appId: null, filter: NO_FILTER }));
    expect(() => clientHistoryPage(t.db, { clientId, first: 1, after: forged, filter: NO_FILTER })).toThrow('after is not a valid cursor for this list');
    // A legacy position whose event does not exist.
    expect(() => historyPages(t.db, [{ clientId, appId: appIds[0]!, first: 1, after: { at: T, legacySeq: 999_999 }, filter: NO_FILTER }])).toThrow(
      'after is not a valid cursor for this list',
    );
  });
});
