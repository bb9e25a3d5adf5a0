/**
 * A CPU profile of the throughput section's server under one target's load:
 * the server bench/http.ts starts (its own process, its real configuration),
 * autocannon sending that target's requests, the V8 profiler on only while
 * they run (startup and warm-up left out). Prints requests per second, the
 * server's CPU time per request (steadier than req/s on a busy machine), the
 * busiest functions and packages by self time, and writes the .cpuprofile
 * (open it in Chrome DevTools or speedscope). About 20 s.
 *
 *   npx tsx bench/http-profile.ts smallRead [seconds] [out.cpuprofile]
 *   targets: bare, smallRead, approve10, restApprove10, getApp, restGetApp, approveOne, slackApproveOne
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
// @ts-expect-error: a plain ES module script without type declarations
import { startFlags } from '../scripts/build.mjs';
import { benchDir, buildDataset } from './datasets';
import { issueTokens, nextMessage, targets, type TargetName } from './http';
import type { ParentMessage } from './http-server';

const [name, secondsArg, outArg] = process.argv.slice(2);
const CONNECTIONS = 10;
const dir = benchDir();
const dataset = buildDataset(dir.file('read.db'), { clients: 4, apps: 10_000, events: 20_000, hotEvery: 0 });
const target = targets(dataset, CONNECTIONS).find((t) => t.name === (name as TargetName));
if (!target) throw new Error(`usage: npx tsx bench/http-profile.ts <${targets(dataset, CONNECTIONS).map((t) => t.name).join('|')}> [seconds] [out.cpuprofile]`);
const seconds = Number(secondsArg ?? 8);
const out = outArg ?? `${target.name}.cpuprofile`;
const tokens = issueTokens(dataset, CONNECTIONS);

const child = fork(fileURLToPath(new URL('./http-server.ts', import.meta.url)), [dataset.path], {
  execArgv: [...process.execArgv, ...(startFlags() as string[])],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const send = (message: ParentMessage) => child.send(message);
try {
  const { port } = await nextMessage(child, 'listening');
  const load = (duration: number) => {
    let k = 0;
    return autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration,
      setupClient: (client) => {
        const own = k++;
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[own]}` };
        client.setRequests(target.requests(own).map((r) => ({ ...r, headers })));
      },
    });
  };
  await load(2);
  send({ type: 'cpu' });
  const before = (await nextMessage(child, 'cpu')).micros;
  send({ type: 'profile-start' });
  await nextMessage(child, 'profiling');
  const result = await load(seconds);
  send({ type: 'profile-stop', file: out });
  await nextMessage(child, 'profiled');
  send({ type: 'cpu' });
  const used = (await nextMessage(child, 'cpu')).micros - before;
  const failed = result.non2xx + result.errors + result.timeouts;
  console.log(`${target.label}: ${Math.round(result.requests.total / result.duration)} req/s, server CPU ${Math.round(used / result.requests.total)} µs per request (profiler on), ${failed} failed`);
  printSelfTime(out);
  console.log(`profile: ${out}`);
} finally {
  if (child.connected) send({ type: 'stop' });
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  dir.remove();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time by function and by package (or src/ file), as shares of the time the server was not idle. */
function printSelfTime(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const where = (url: string) =>
    url === '' ? '(native)' : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? /\/((?:src|bench)\/.*)$/.exec(url)?.[1] ?? url.replace(/^node:.*/, 'node'));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)') return;
    const t = profile.timeDeltas[i] ?? 0;
    busy += t;
    const fn = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    const pkg = url ? where(url) : `(native) ${functionName}`;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + t);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  console.log(`self time by package:\n${top(byPackage, 15)}\nself time by function:\n${top(byFunction, 25)}`);
}
