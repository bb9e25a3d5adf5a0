import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_WRITE_EVERY_MS } from '../src/db/health';
import { fileTenants } from './helpers/resilience';

/** Issue 17 item 14: /health is unauthenticated and unthrottled, so its write must be bounded. */
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

describe('/health writes at most one row a second', () => {
  it('100 calls in a burst are all answered, and make at most one write per second elapsed (plus one)', async () => {
    const s = fileTenants();
    cleanup.push(() => {
      s.database.close();
      s.remove();
    });
    const changes = () => (s.database.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const checkedAt = () => (s.database.sqlite.prepare('SELECT checked_at AS at FROM health_checks WHERE id = 1').get() as { at: number } | undefined)?.at;
    const before = changes();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 100 }, () => s.yoga.fetch('http://appgov.test/health')));
    const seconds = (performance.now() - started) / 1000;
    for (const answer of answers) {
      expect([answer.status, await answer.json()]).toEqual([200, { status: 'ok', checks: { file: 'ok', read: 'ok', write: 'ok' }, problems: [] }]);
    }
    const writes = changes() - before;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(1 + Math.floor(seconds));

    // A second later the write is checked for real again.
    const first = checkedAt();
    await new Promise((resolve) => setTimeout(resolve, HEALTH_WRITE_EVERY_MS + 50));
    expect((await s.yoga.fetch('http://appgov.test/health')).status).toBe(200);
    expect(changes() - before).toBe(writes + 1);
    expect(checkedAt()).toBeGreaterThan(first!);
  });
});
