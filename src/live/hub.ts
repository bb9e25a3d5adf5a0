/**
 * Wake-ups for live streams (Subscription.historyEvents, Subscription.installRequests). A stream
 * never receives events from here: it reads its client's history after its own position
 * (services/history-live.ts), so nothing is lost or repeated however it was woken. The hub only
 * says when to read again:
 *
 * - at once after a mutation on this instance commits (`nudge`, from the GraphQL pipeline: every
 *   REST, Slack and assignment route runs through it too) and after the expiry sweep writes;
 * - at once when Postgres notifies that a client's history moved (`listen`: pg_notify in the
 *   history claim, delivered at commit, so another instance's writes arrive as fast);
 * - and at the latest every `pollMs`, by ONE statement for every client with an open stream
 *   (their heads by primary key): writes of another process on a SQLite file (the CLI, a second
 *   server), and everything when LISTEN is unavailable.
 *
 * It also holds the bounds on open streams, per token and per remote address, on this instance.
 */
import type { Backend } from '../backend';
import type { Config } from '../config';
import { RateLimitedError, UnavailableError } from '../errors';
import type { HistoryPosition } from '../services/history-seek';
import type { Store } from '../store/store';

export interface HubOptions {
  pollMs: number;
  maxStreamsPerToken: number;
  maxStreamsPerAddress: number;
  /**
   * Subscribes to the store's commit notifications (Postgres LISTEN): `wake(clientId)` for each;
   * resolves to a stop function. Absent: the poll alone.
   */
  listen?: (wake: (clientId: string) => void, onError: (error: unknown) => void) => Promise<() => Promise<void>>;
  log?: (error: unknown) => void;
}

/** One open stream: its client, its position, and a wake-up that is never lost. */
export class Stream {
  position: HistoryPosition;
  closed = false;
  /** The head a poll saw ahead of the position when it woke this stream (see takeHead). */
  private head: HistoryPosition | null = null;
  private pending = false;
  private waiter: ((reason: 'wake' | 'closed') => void) | null = null;

  constructor(
    readonly clientId: string,
    readonly tokenKey: string,
    readonly address: string,
    position: HistoryPosition,
    private readonly onClose: (stream: Stream) => void,
  ) {
    this.position = position;
  }

  /**
   * The head the last poll saw, taken before a read: when that read then comes back short (it
   * saw everything committed before it began), the stream may move on to this head, so a stream
   * filtered to one app is not woken again by the same events of other apps.
   */
  takeHead(): HistoryPosition | null {
    const head = this.head;
    this.head = null;
    return head;
  }

  /** Read again: now if waiting, else at the next wait. */
  wake(head: HistoryPosition | null = null): void {
    if (head && (!this.head || head.clientSeq > this.head.clientSeq)) this.head = head;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve('wake');
    } else this.pending = true;
  }

  /** Until woken or closed; at once when a wake came since the last wait. */
  wait(): Promise<'wake' | 'closed'> {
    if (this.closed) return Promise.resolve('closed');
    if (this.pending) {
      this.pending = false;
      return Promise.resolve('wake');
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    const resolve = this.waiter;
    this.waiter = null;
    resolve?.('closed');
  }
}

export class EventHub {
  private readonly byClient = new Map<string, Set<Stream>>();
  private readonly perToken = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking = false;
  private checkAgain = false;
  private stopListening: Promise<(() => Promise<void>) | null> | null = null;
  private shut = false;
  private readonly log: (error: unknown) => void;

  constructor(
    private readonly store: Pick<Store, 'historyHeads'>,
    private readonly options: HubOptions,
  ) {
    this.log = options.log ?? ((error: unknown) => console.error('live events:', error));
  }

  private readonly inFlight = new Map<string, Promise<unknown>>();

  /**
   * One run of `run` for every caller with the same `key` while it is under way: the streams a
   * commit wakes together (a hundred on one client) read the same rows and check the same token
   * once, not once each. It starts after the wake, so what it sees is as fresh as a read of each.
   */
  share<T>(key: string, run: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const started = run().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** Streams open now (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const set of this.byClient.values()) n += set.size;
    return n;
  }

  /** Opens a stream at `position`, or RATE_LIMITED when the token or the address already holds its bound. */
  open(clientId: string, tokenKey: string, address: string, position: HistoryPosition): Stream {
    if (this.shut) throw new UnavailableError('This server is shutting down: reconnect to another instance, or retry shortly', 1);
    const tokens = this.perToken.get(tokenKey) ?? 0;
    if (tokens >= this.options.maxStreamsPerToken) {
      throw new RateLimitedError(
        `This token already holds ${tokens} open streams, its bound on this server (APPGOV_MAX_STREAMS_PER_TOKEN): close one first`,
        5,
      );
    }
    const addresses = this.perAddress.get(address) ?? 0;
    if (addresses >= this.options.maxStreamsPerAddress) {
      throw new RateLimitedError(
        `This address already holds ${addresses} open streams, its bound on this server (APPGOV_MAX_STREAMS_PER_ADDRESS): close one first`,
        5,
      );
    }
    const stream = new Stream(clientId, tokenKey, address, position, (s) => this.forget(s));
    const set = this.byClient.get(clientId) ?? new Set();
    set.add(stream);
    this.byClient.set(clientId, set);
    this.perToken.set(tokenKey, tokens + 1);
    this.perAddress.set(address, addresses + 1);
    this.start();
    return stream;
  }

  /** Something may have committed here: compare the heads now (coalesced with a check under way). */
  nudge(): void {
    if (this.byClient.size === 0) return;
    void this.check();
  }

  /** Ends every stream (server shutdown) and stops the poll and the listener. */
  async close(): Promise<void> {
    this.shut = true;
    for (const set of [...this.byClient.values()]) for (const stream of [...set]) stream.close();
    await this.stop();
  }

  private forget(stream: Stream): void {
    const set = this.byClient.get(stream.clientId);
    set?.delete(stream);
    if (set && set.size === 0) this.byClient.delete(stream.clientId);
    const dec = (map: Map<string, number>, key: string) => {
      const n = (map.get(key) ?? 1) - 1;
      if (n <= 0) map.delete(key);
      else map.set(key, n);
    };
    dec(this.perToken, stream.tokenKey);
    dec(this.perAddress, stream.address);
    if (this.byClient.size === 0) void this.stop();
  }

  private wakeClient(clientId: string): void {
    for (const stream of this.byClient.get(clientId) ?? []) stream.wake();
  }

  private start(): void {
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.options.pollMs);
      this.timer.unref?.();
    }
    if (this.options.listen && !this.stopListening) {
      const log = this.log;
      this.stopListening = this.options
        .listen(
          (clientId) => this.wakeClient(clientId),
          (error) => {
            // The poll carries on; the next stream to open listens again.
            log(error);
            this.stopListening = null;
          },
        )
        .catch((error: unknown) => {
          log(error);
          this.stopListening = null;
          return null;
        });
    }
  }

  private async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const stopping = this.stopListening;
    this.stopListening = null;
    const stop = await stopping;
    await stop?.().catch(() => {});
  }

  /** ONE statement: the heads of every client with a stream; streams behind their head are woken. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.checkAgain = false;
        const ids = [...this.byClient.keys()];
        if (ids.length === 0) break;
        const heads = await this.store.historyHeads(ids);
        for (const [clientId, head] of heads) {
          for (const stream of this.byClient.get(clientId) ?? []) {
            if (head.clientSeq > stream.position.clientSeq) stream.wake(head);
          }
        }
      } while (this.checkAgain);
    } catch (error) {
      this.log(error);
    } finally {
      this.checking = false;
    }
  }
}

/** The hub of a server: bounds and poll from the configuration, LISTEN when the backend offers it. */
export function hubFor(
  backend: Pick<Backend, 'store' | 'listenHistory'>,
  config: Pick<Config, 'livePollMs' | 'maxStreamsPerToken' | 'maxStreamsPerAddress'>,
  log: (error: unknown) => void,
): EventHub {
  return new EventHub(backend.store, {
    pollMs: config.livePollMs,
    maxStreamsPerToken: config.maxStreamsPerToken,
    maxStreamsPerAddress: config.maxStreamsPerAddress,
    ...(backend.listenHistory ? { listen: backend.listenHistory } : {}),
    log,
  });
}
