import { describe, expect, it } from 'vitest';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { newEventId } from '../src/services/ids';
import { principalFor, seedTenant, testDatabase } from './helpers/db';

/** RFC 9562 version 7: 48-bit milliseconds, version 7, variant 10xx. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const waitNextMs = () => {
  const start = Date.now();
  while (Date.now() <= start + 1);
};

describe('history event ids are time-ordered (UUID version 7), so the id index is appended to, not scattered', () => {
  it('newEventId: the time in the first 48 bits, then random bits; unique', () => {
    const at = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    const id = newEventId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    const many = Array.from({ length: 10_000 }, () => newEventId(at));
    expect(new Set(many).size).toBe(10_000);
    expect(newEventId(at + 1) > newEventId(at)).toBe(true);
  });

  it('newEventId: ids made alternately at two times each carry their own time (the time part is reused only within a millisecond)', () => {
    const [a, b] = [Date.UTC(2026, 10, 21, 12, 0, 0, 1), Date.UTC(2030, 0, 1)];
    const timeOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect([a, b, b, a, a, b].map((at) => timeOf(newEventId(at)))).toEqual([a, b, b, a, a, b]);
  });

  it('a bulk call writes v7 ids, and a later call\'s ids sort after an earlier call\'s', () => {
    const t = testDatabase();
    const { clientId, appIds } = seedTenant(t.db, { appCount: 50 });
    const actor = principalFor(t.db);
    approveApps(t.db, { clientId, appIds, actor, maxIds: 1000 });
    waitNextMs();
    removeAppApprovals(t.db, { clientId, appIds, actor, maxIds: 1000 });
    const ids = t.sqlite.prepare('SELECT id FROM app_history_events ORDER BY seq').pluck().all() as string[];
    t.close();
    expect(ids).toHaveLength(100);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    const [first, second] = [ids.slice(0, 50), ids.slice(50)];
    expect(first.reduce((a, b) => (a > b ? a : b)) < second.reduce((a, b) => (a < b ? a : b))).toBe(true);
  });
});
