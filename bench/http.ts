/**
 * Section 5: requests per second over real HTTP on 127.0.0.1, measured with
 * autocannon against a server process the bench starts and stops itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Dataset } from './datasets';
import type { ParentMessage, ServerMessage } from './http-server';

const SERVER_SCRIPT = fileURLToPath(new URL('./http-server.ts', import.meta.url));

export const SMALL_READ = `query SmallRead($clientId: ID!) {
  client(id: $clientId) { name apps(first: 10) { nodes { id isApproved } } }
}`;
export const BARE = '{ __typename }';

export interface HttpRun {
  label: string;
  requestsPerSecond: number;
  requests: number;
  seconds: number;
  latencyP50: number;
  latencyP99: number;
  /** Server CPU time ÷ wall time over the run: near 1.0 means the server's core was the limit. */
  serverCpu: number;
  /** non-2xx + errors + timeouts + bodies that differ from the checked first answer. */
  failures: number;
}

export interface HttpResult {
  connections: number;
  read: HttpRun;
  bareAuthenticated: HttpRun;
  bare: HttpRun;
  /** read ÷ bare (the unauthenticated `{ __typename }`, the higher ceiling): the figure held to the target. */
  ratio: number;
  /** read ÷ bare with the same bearer token (a ceiling that includes authentication). */
  ratioAuthenticated: number;
}

function nextMessage<T extends ServerMessage['type']>(child: ChildProcess, type: T): Promise<Extract<ServerMessage, { type: T }>> {
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

interface Target {
  label: string;
  body: string;
  headers: Record<string, string>;
}

export async function benchHttp(
  dataset: Dataset,
  options: { seconds: number; warmupSeconds: number; connections: number },
): Promise<HttpResult> {
  const child = fork(SERVER_SCRIPT, [dataset.path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const send = (message: ParentMessage) => child.send(message);
  try {
    const { port } = await nextMessage(child, 'listening');
    const url = `http://127.0.0.1:${port}/graphql`;
    const json = { 'content-type': 'application/json' };
    const authorized = { ...json, authorization: `Bearer ${dataset.token}` };
    const targets: Target[] = [
      { label: 'small read', body: JSON.stringify({ query: SMALL_READ, variables: { clientId: dataset.clientId } }), headers: authorized },
      { label: 'bare { __typename }, with token', body: JSON.stringify({ query: BARE }), headers: authorized },
      { label: 'bare { __typename }', body: JSON.stringify({ query: BARE }), headers: json },
    ];
    const runs: HttpRun[] = [];
    for (const target of targets) {
      // One checked answer first: every answer under load must equal it, byte for byte.
      const first = await fetch(url, { method: 'POST', headers: target.headers, body: target.body });
      const expectBody = await first.text();
      if (first.status !== 200 || expectBody.includes('"errors"')) throw new Error(`${target.label}: ${first.status} ${expectBody}`);
      const load = { url, method: 'POST', headers: target.headers, body: target.body, connections: options.connections };
      await autocannon({ ...load, duration: options.warmupSeconds });
      send({ type: 'cpu' });
      const cpuBefore = (await nextMessage(child, 'cpu')).micros;
      const result = await autocannon({ ...load, duration: options.seconds, expectBody });
      send({ type: 'cpu' });
      const cpuAfter = (await nextMessage(child, 'cpu')).micros;
      runs.push({
        label: target.label,
        requestsPerSecond: result.requests.total / result.duration,
        requests: result.requests.total,
        seconds: result.duration,
        latencyP50: result.latency.p50,
        latencyP99: result.latency.p99,
        serverCpu: (cpuAfter - cpuBefore) / 1e6 / result.duration,
        failures: result.non2xx + result.errors + result.timeouts + result.mismatches,
      });
    }
    const [read, bareAuthenticated, bare] = runs as [HttpRun, HttpRun, HttpRun];
    return {
      connections: options.connections,
      read,
      bareAuthenticated,
      bare,
      ratio: read.requestsPerSecond / bare.requestsPerSecond,
      ratioAuthenticated: read.requestsPerSecond / bareAuthenticated.requestsPerSecond,
    };
  } finally {
    if (child.connected) send({ type: 'stop' });
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  }
}
