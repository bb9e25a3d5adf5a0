import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { issueToken, seedTenant } from './helpers/db';
import { startServer, stopServer, type StartedServer } from './helpers/server';

/**
 * History order is commit order across processes: two compiled servers on one
 * SQLite file (each with its writer thread for the bulk calls, and its main
 * thread for updateApp), about 120 concurrent approve/remove calls of ONE app
 * split between them, and a poller reading newest first meanwhile. Before the
 * fix an event's time was taken before the write lock, so a call that waited
 * for the other process committed after it with an older time and listed below
 * it: two "approved → unresolved" in a row, and a poller that had already seen
 * the newer one never saw it.
 */
const CALLS = 120;
const LANES = 12;

interface Event {
  id: string;
  type: string;
  createdAt: string;
  fromResolution?: string;
  toResolution?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'appgov-history-order-'));
let servers: StartedServer[] = [];
let token: string;
let clientId: string;
let appId: string;
let changedTotal = 0;
let polls = 0;
/** Every event the poller found, in the order it found them (each poll's new ones oldest first). */
const found: Event[] = [];
let history: Event[] = [];

async function gql<T>(server: StartedServer, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`${res.status} ${JSON.stringify(body.errors)}`);
  return body.data!;
}

const HISTORY = `query History($clientId: ID!, $appId: ID!, $after: String) {
  appHistory(clientId: $clientId, appId: $appId, first: 100, after: $after) {
    nodes { id type createdAt ... on ApprovalStatusChangedEvent { fromResolution toResolution } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type HistoryPage = { appHistory: { nodes: Event[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

/** Newest first, page by page, until `stopAt` (exclusive) or the end. */
async function readNewestFirst(server: StartedServer, stopAt: string | null): Promise<Event[]> {
  const events: Event[] = [];
  let after: string | null = null;
  for (;;) {
    const { appHistory }: HistoryPage = await gql<HistoryPage>(server, HISTORY, { clientId, appId, after });
    for (const node of appHistory.nodes) {
      if (node.id === stopAt) return events;
      events.push(node);
    }
    if (!appHistory.pageInfo.hasNextPage) return events;
    after = appHistory.pageInfo.endCursor;
  }
}

/** The poller's one step: whatever is newer than the newest event it has seen, oldest first. */
async function poll(server: StartedServer): Promise<void> {
  polls++;
  const fresh = await readNewestFirst(server, found.at(-1)?.id ?? null);
  found.push(...fresh.reverse());
}

const BULK = (field: string) => `mutation Bulk($clientId: ID!, $appIds: [ID!]!) { ${field}(clientId: $clientId, appIds: $appIds) { changed } }`;
const UPDATE = `mutation Update($clientId: ID!, $appId: ID!, $isApproved: Boolean!) {
  updateApp(clientId: $clientId, appId: $appId, input: { isApproved: $isApproved }) { version }
}`;

/** Call i: on server i % 2; approve or remove (a fixed pseudo-random pattern); every third one by updateApp on the main thread. */
async function call(i: number): Promise<void> {
  const server = servers[i % 2]!;
  const approve = ((i * 7919) >> 2) % 2 === 0;
  if (i % 3 === 2) {
    await gql(server, UPDATE, { clientId, appId, isApproved: approve });
    return;
  }
  const data = await gql<Record<string, { changed: string[] }>>(server, BULK(approve ? 'approveApps' : 'removeAppApprovals'), { clientId, appIds: [appId] });
  changedTotal += Object.values(data)[0]!.changed.length;
}

beforeAll(async () => {
  const path = join(dir, 'shared.db');
  const opened = openDatabase(path);
  ({ clientId } = seedTenant(opened.db, { appCount: 1 }));
  appId = (opened.sqlite.prepare('SELECT id FROM apps').get() as { id: string }).id;
  token = issueToken(opened.db, 'internal').token;
  opened.close();
  const env = {
    APPGOV_DB: path,
    APPGOV_MAX_IN_FLIGHT_PER_TOKEN: String(CALLS * 2),
    APPGOV_WRITE_WAIT_MS: '20000',
    APPGOV_LOG_LEVEL: 'warn',
  };
  servers = await Promise.all([startServer(env), startServer(env)]);
  let writing = true;
  const poller = (async () => {
    while (writing) {
      await poll(servers[polls % 2]!);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    // LANES callers at once, each making its calls one after another: always contention, and room for the poller.
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let i = lane; i < CALLS; i += LANES) await call(i);
      }),
    );
  } finally {
    writing = false;
    await poller;
  }
  await poll(servers[0]!);
  history = await readNewestFirst(servers[1]!, null);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => stopServer(server)));
  rmSync(dir, { recursive: true, force: true });
});

describe('two appgov processes on one SQLite file', () => {
  it("list one app's history newest first as one consistent chain: each event's from is the previous event's to", () => {
    const changes = history.filter((e) => e.type === 'APPROVAL_STATUS_CHANGED');
    expect(changes.length).toBe(history.length);
    expect(changes.length).toBeGreaterThan(10);
    const breaks = changes.slice(0, -1).flatMap((e, i) =>
      e.fromResolution === changes[i + 1]!.toResolution ? [] : [`${i}: ${e.fromResolution}>${e.toResolution} above ${changes[i + 1]!.fromResolution}>${changes[i + 1]!.toResolution}`],
    );
    expect(breaks).toEqual([]);
    expect(changes.at(-1)!.fromResolution).toBe('UNRESOLVED');
    // Times never go back along the listing.
    const times = history.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    // The bulk calls' own reports agree: every change they reported is an event (updateApp's are the rest).
    expect(changedTotal).toBeLessThanOrEqual(history.length);
  });

  it('never let a poller that reads newest first until the last event it saw miss one (none lands below it later)', () => {
    expect(polls).toBeGreaterThan(3);
    // Found oldest first, poll after poll: exactly the listing, oldest first. An event committed
    // later but listed below one already found would be missing here.
    expect(found.map((e) => e.id)).toEqual([...history].reverse().map((e) => e.id));
  });
});
