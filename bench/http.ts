/**
 * Section 5: requests per second over real HTTP on 127.0.0.1, measured with
 * autocannon against a server process the bench starts and stops itself,
 * configured as src/server.ts configures it (environment, rate limits, HTTP
 * limits). Each connection carries its own token, as separate callers would,
 * so the per-token limits meter each caller and do not cap the server.
 * Every target runs once per round and rounds repeat, so load drift on the
 * machine lands on every target alike; figures are medians over rounds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
// @ts-expect-error: a plain ES module script without type declarations
import { startFlags } from '../scripts/build.mjs';
import { createToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { ROUTES } from '../src/routes';
import { appId, type Dataset } from './datasets';
import type { ParentMessage, ServerMessage } from './http-server';
import { median } from './stats';

const SERVER_SCRIPT = fileURLToPath(new URL('./http-server.ts', import.meta.url));

export const SMALL_READ = `query SmallRead($clientId: ID!) {
  client(id: $clientId) { name apps(first: 10) { nodes { id isApproved } } }
}`;
export const BARE = '{ __typename }';
const BULK = (field: string) =>
  `mutation Bulk($clientId: ID!, $appIds: [ID!]!) { ${field}(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } } }`;

export type TargetName = 'bare' | 'smallRead' | 'approve10' | 'restApprove10' | 'getApp' | 'restGetApp' | 'approveOne' | 'slackApproveOne';

export interface HttpRun {
  label: string;
  /** Median over rounds. */
  requestsPerSecond: number;
  rounds: number[];
  requests: number;
  latencyP50: number;
  latencyP99: number;
  /** Server CPU time ÷ wall time over the runs: near 1.0 means the server's core was the limit. */
  serverCpu: number;
  /** non-2xx + errors + timeouts + bodies that differ from the checked first answer (where one is fixed). */
  failures: number;
}

export interface HttpResult {
  connections: number;
  seconds: number;
  rounds: number;
  runs: Record<TargetName, HttpRun>;
}

export function nextMessage<T extends ServerMessage['type']>(child: ChildProcess, type: T): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ServerMessage) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ServerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`bench server exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export interface Request {
  method: string;
  path: string;
  body?: string;
}

export interface Target {
  name: TargetName;
  label: string;
  /** The requests connection `k` cycles through (its own ids where it writes). */
  requests(k: number): Request[];
  /** Reads answer the same bytes every time: checked under load. */
  fixedAnswer: boolean;
}

const routeOperation = (method: string, path: string) => {
  const row = ROUTES.find((r) => r.method === method && r.path === path);
  if (!row) throw new Error(`no route ${method} ${path}`);
  return row.operation;
};

export function targets(dataset: Dataset, connections: number): Target[] {
  const c = dataset.clientId;
  const gql = (query: string, variables: Record<string, unknown> = {}): Request => ({
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ query, variables }),
  });
  // Connection k of target t writes its own 10 apps, approving then removing them: every call changes 10 states.
  const ids = (t: number, k: number) => Array.from({ length: 10 }, (_, i) => appId(1 + ((t * connections + k) * 10 + i)));
  const getApp = routeOperation('GET', '/v2/clients/{client_id}/apps/{app_id}');
  const approveOne = routeOperation('POST', '/api/admin.apps.approve');
  const clearOne = routeOperation('POST', '/api/admin.apps.clearResolution');
  return [
    { name: 'bare', label: 'bare { __typename }, with token', fixedAnswer: true, requests: () => [gql(BARE)] },
    { name: 'smallRead', label: 'small read', fixedAnswer: true, requests: () => [gql(SMALL_READ, { clientId: c })] },
    {
      name: 'approve10',
      label: 'approve / remove 10 ids, POST /graphql',
      fixedAnswer: false,
      requests: (k) => [gql(BULK('approveApps'), { clientId: c, appIds: ids(0, k) }), gql(BULK('removeAppApprovals'), { clientId: c, appIds: ids(0, k) })],
    },
    {
      name: 'restApprove10',
      label: 'the same over REST /v2',
      fixedAnswer: false,
      requests: (k) => [
        { method: 'POST', path: `/v2/clients/${c}/apps/approval`, body: JSON.stringify({ app_ids: ids(1, k) }) },
        { method: 'POST', path: `/v2/clients/${c}/apps/approvals/remove`, body: JSON.stringify({ app_ids: ids(1, k) }) },
      ],
    },
    { name: 'getApp', label: 'one app, POST /graphql (the route\'s operation)', fixedAnswer: true, requests: () => [gql(getApp, { clientId: c, appId: appId(5000) })] },
    { name: 'restGetApp', label: 'one app, GET /v2/…/apps/{id}', fixedAnswer: true, requests: () => [{ method: 'GET', path: `/v2/clients/${c}/apps/${appId(5000)}` }] },
    {
      name: 'approveOne',
      label: "approve / clear one app, POST /graphql (the Slack routes' operations)",
      fixedAnswer: false,
      requests: (k) => [
        gql(approveOne, { app: { appId: appId(6001 + k) }, at: { clientId: c } }),
        gql(clearOne, { app: { appId: appId(6001 + k) }, at: { clientId: c } }),
      ],
    },
    {
      name: 'slackApproveOne',
      label: 'the same over Slack /api/admin.apps.approve and .clearResolution',
      fixedAnswer: false,
      requests: (k) => [
        { method: 'POST', path: '/api/admin.apps.approve', body: JSON.stringify({ app_id: appId(6101 + k), enterprise_id: c }) },
        { method: 'POST', path: '/api/admin.apps.clearResolution', body: JSON.stringify({ app_id: appId(6101 + k), enterprise_id: c }) },
      ],
    },
  ];
}

/** One internal token per connection (apps:read, apps:write), issued in the dataset before the server starts. */
export function issueTokens(dataset: Dataset, count: number): string[] {
  const opened = openDatabase(dataset.path);
  try {
    return Array.from({ length: count }, (_, k) => createToken(opened.db, { kind: 'internal', name: `bench caller ${k}` }).token);
  } finally {
    opened.close();
  }
}

export async function benchHttp(
  dataset: Dataset,
  options: { seconds: number; warmupSeconds: number; connections: number; rounds: number },
): Promise<HttpResult> {
  const tokens = issueTokens(dataset, options.connections);
  // tsx's loader (the script is TypeScript) plus the node flags npm start gives the server.
  const child = fork(SERVER_SCRIPT, [dataset.path], { execArgv: [...process.execArgv, ...(startFlags() as string[])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (message: ParentMessage) => child.send(message);
  const cpu = async () => {
    send({ type: 'cpu' });
    return (await nextMessage(child, 'cpu')).micros;
  };
  try {
    const { port } = await nextMessage(child, 'listening');
    const base = `http://127.0.0.1:${port}`;
    const headers = (k: number) => ({ 'content-type': 'application/json', authorization: `Bearer ${tokens[k % tokens.length]}` });
    const list = targets(dataset, options.connections);
    const expected = new Map<TargetName, string>();
    for (const target of list) {
      // One checked answer per request first: every fixed answer under load must equal it, byte for byte.
      for (const request of target.requests(0)) {
        const res = await fetch(base + request.path, { method: request.method, headers: headers(0), body: request.body ?? null });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"') || text.includes('"error"')) throw new Error(`${target.label}: ${res.status} ${text.slice(0, 300)}`);
        if (target.fixedAnswer) expected.set(target.name, text);
      }
    }
    const load = (target: Target, duration: number) => {
      let k = 0;
      return autocannon({
        url: base,
        connections: options.connections,
        duration,
        ...(target.fixedAnswer ? { expectBody: expected.get(target.name)! } : {}),
        setupClient: (client) => {
          const own = k++;
          client.setRequests(target.requests(own).map((r) => ({ ...r, headers: headers(own) })));
        },
      });
    };
    for (const target of list) await load(target, options.warmupSeconds);
    const collected = new Map<TargetName, { rps: number[]; p50: number[]; p99: number[]; requests: number; cpu: number; wall: number; failures: number }>();
    for (let round = 0; round < options.rounds; round++) {
      for (const target of list) {
        const before = await cpu();
        const result = await load(target, options.seconds);
        const used = (await cpu()) - before;
        const entry = collected.get(target.name) ?? { rps: [], p50: [], p99: [], requests: 0, cpu: 0, wall: 0, failures: 0 };
        entry.rps.push(result.requests.total / result.duration);
        entry.p50.push(result.latency.p50);
        entry.p99.push(result.latency.p99);
        entry.requests += result.requests.total;
        entry.cpu += used / 1e6;
        entry.wall += result.duration;
        entry.failures += result.non2xx + result.errors + result.timeouts + result.mismatches;
        collected.set(target.name, entry);
      }
    }
    const runs = Object.fromEntries(
      list.map((target) => {
        const e = collected.get(target.name)!;
        const run: HttpRun = {
          label: target.label,
          requestsPerSecond: median(e.rps),
          rounds: e.rps,
          requests: e.requests,
          latencyP50: median(e.p50),
          latencyP99: median(e.p99),
          serverCpu: e.cpu / e.wall,
          failures: e.failures,
        };
        return [target.name, run];
      }),
    ) as Record<TargetName, HttpRun>;
    return { connections: options.connections, seconds: options.seconds, rounds: options.rounds, runs };
  } finally {
    if (child.connected) send({ type: 'stop' });
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  }
}
