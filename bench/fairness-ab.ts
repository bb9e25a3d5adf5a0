/**
 * bench/fairness.ts as an A/B in one run, so the machine's load lands on both
 * alike: two servers (src/server.ts's configuration, one with
 * APPGOV_WRITE_WORKER=1, one with 0), each on its own copy of the dataset;
 * in alternating windows of `window` seconds, 16 connections of one token
 * hammer one server with 1,000-id bulk calls while another tenant reads from
 * it every 20 ms (the order flips every round). Prints that tenant's read
 * latencies per server, idle and loaded.
 * Run: npx tsx bench/fairness-ab.ts [rounds] [window seconds]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { appId, benchDir, buildDataset, clientId } from './datasets';
import { percentile } from './stats';

const rounds = Number(process.argv[2] ?? 6);
const windowSeconds = Number(process.argv[3] ?? 3);
const dir = benchDir();
const smallRead = `{ client(id: "${clientId(2)}") { name apps(first: 10) { nodes { id isApproved } } } }`;
const ids = JSON.stringify(Array.from({ length: 1000 }, (_, i) => appId(i + 1)));

async function side(worker: '1' | '0') {
  const dataset = buildDataset(dir.file(`fair-${worker}.db`), { clients: 2, apps: 1000, events: 0, hotEvery: 0 });
  const seeding = openDatabase(dataset.path);
  const reader = createToken(seeding.db, { kind: 'client', clientId: clientId(2), name: 'other tenant', scopes: ['apps:read'] });
  seeding.close();
  const child: ChildProcess = fork(fileURLToPath(new URL('./fairness-server.ts', import.meta.url)), [dataset.path], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, APPGOV_WRITE_WORKER: worker },
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const base = `http://127.0.0.1:${port}/graphql`;
  const post = (token: string, query: string) =>
    fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  for (let i = 0; i < 20; i++) await (await post(reader.token, smallRead)).text();
  return { worker, child, post, reader: reader.token, hammer: dataset.token, clientId: dataset.clientId, idle: [] as number[], loaded: [] as number[], ok: 0, refused: 0 };
}
type Side = Awaited<ReturnType<typeof side>>;

async function sampleReads(s: Side, seconds: number, into: number[]) {
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const started = performance.now();
    const response = await s.post(s.reader, smallRead);
    await response.text();
    if (response.status !== 200) throw new Error(`small read answered ${response.status}`);
    into.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function loadedWindow(s: Side) {
  let stop = false;
  const hammer = async (n: number) => {
    for (let i = n; !stop; i++) {
      const field = i % 2 ? 'approveApps' : 'removeAppApprovals';
      const response = await s.post(s.hammer, `mutation { ${field}(clientId: "${s.clientId}", appIds: ${ids}) { succeeded } }`);
      await response.text();
      if (response.status === 429) {
        s.refused++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } else s.ok++;
    }
  };
  const hammers = Array.from({ length: 16 }, (_, n) => hammer(n));
  await sampleReads(s, windowSeconds, s.loaded);
  stop = true;
  await Promise.all(hammers);
  // Let the token's budget refill: every window starts alike.
  await new Promise((resolve) => setTimeout(resolve, 2500));
}

const sides = [await side('1'), await side('0')];
try {
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      await sampleReads(s, 1, s.idle);
      await loadedWindow(s);
    }
  }
  const show = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50).toFixed(1)}, p90 ${percentile(sorted, 90).toFixed(1)}, p99 ${percentile(sorted, 99).toFixed(1)} ms (${samples.length})`;
  };
  for (const s of sides) {
    console.log(`APPGOV_WRITE_WORKER=${s.worker}: idle ${show(s.idle)}; loaded ${show(s.loaded)}; loaded p99 ÷ idle p99 ${(percentile([...s.loaded].sort((a, b) => a - b), 99) / percentile([...s.idle].sort((a, b) => a - b), 99)).toFixed(2)}×; bulk calls ${s.ok} ok, ${s.refused} refused`);
  }
} finally {
  for (const s of sides) {
    s.child.send('stop');
    await new Promise((resolve) => (s.child.exitCode !== null ? resolve(null) : s.child.once('exit', resolve)));
  }
  dir.remove();
}
