/**
 * The wake-up hub of live streams (src/live/hub.ts), on its own: its bounds per token and per
 * address, and its poll: one look at the heads for every client with a stream, only while
 * streams are open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedError, UnavailableError } from '../src/errors';
import { EventHub } from '../src/live/hub';
import type { HistoryPosition } from '../src/services/history-seek';

const START: HistoryPosition = { at: 0, clientSeq: 0 };
const hubs: EventHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

function hub(heads: Map<string, HistoryPosition> = new Map(), pollMs = 20) {
  const looks: string[][] = [];
  const h = new EventHub(
    {
      historyHeads: async (ids: readonly string[]) => {
        looks.push([...ids]);
        return new Map([...heads].filter(([id]) => ids.includes(id)));
      },
    },
    { pollMs, maxStreamsPerToken: 2, maxStreamsPerAddress: 3 },
  );
  hubs.push(h);
  return { h, looks };
}

describe('EventHub', () => {
  it('refuses a stream past the bound of its token, and past the bound of its address, until one closes', () => {
    const { h } = hub();
    const a = h.open('c1', 'token:a', '10.0.0.1', START);
    h.open('c1', 'token:a', '10.0.0.1', START);
    expect(() => h.open('c1', 'token:a', '10.0.0.2', START)).toThrow(RateLimitedError);
    h.open('c1', 'token:b', '10.0.0.1', START);
    expect(() => h.open('c1', 'token:c', '10.0.0.1', START)).toThrow(/APPGOV_MAX_STREAMS_PER_ADDRESS/);
    a.close();
    expect(h.open('c1', 'token:c', '10.0.0.1', START)).toBeDefined();
    expect(h.size).toBe(3);
  });

  it('polls with one look for all its clients while streams are open, wakes those behind their head, and stops when none is', async () => {
    const heads = new Map([
      ['c1', { at: 5, clientSeq: 3 }],
      ['c2', { at: 1, clientSeq: 0 }],
    ]);
    const { h, looks } = hub(heads);
    const behind = h.open('c1', 'token:a', 'x', START);
    const current = h.open('c2', 'token:a', 'x', START);
    await expect(behind.wait()).resolves.toBe('wake');
    expect(behind.takeHead()).toEqual({ at: 5, clientSeq: 3 });
    expect(looks.every((ids) => ids.length === 2)).toBe(true);
    const woken = await Promise.race([current.wait(), new Promise((r) => setTimeout(() => r('still waiting'), 100))]);
    expect(woken).toBe('still waiting');
    behind.close();
    current.close();
    const seen = looks.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(looks.length).toBe(seen);
  });

  it('ends every stream on close and opens none after (UNAVAILABLE: retry on another instance)', async () => {
    const { h } = hub();
    const s = h.open('c1', 'token:a', 'x', START);
    const waiting = s.wait();
    await h.close();
    await expect(waiting).resolves.toBe('closed');
    expect(() => h.open('c1', 'token:a', 'x', START)).toThrow(UnavailableError);
  });
});
