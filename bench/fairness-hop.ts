/**
 * What the writer thread costs a bulk call: the same service twice in ONE
 * process, each on its own copy of the dataset, one writing on the main
 * thread (APPGOV_WRITE_WORKER=0) and one through the writer thread, both over
 * HTTP on 127.0.0.1, calls alternating (the order flips every round). Prints
 * medians and worker ÷ main-thread for 1,000- and 10,000-id calls.
 * Run: npx tsx bench/fairness-hop.ts [rounds]
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createHttpServer } from '../src/http';
import { createLogger } from '../src/observability/logger';
import { createAppgovYoga } from '../src/yoga';
import { idsFor } from './bulk';
import { benchDir, buildDataset, clientId } from './datasets';
import { median } from './stats';
import { timedPost as post } from './timed-post';

const rounds = Number(process.argv[2] ?? 12);
const dir = benchDir();
const shape = { clients: 4, apps: 20_000, events: 0, hotEvery: 0 };

async function side(name: 'main thread' | 'writer thread') {
  const set = buildDataset(dir.file(`${name.replace(' ', '-')}.db`), shape);
  const database = openDatabase(set.path);
  // Room for 10,000 ids and a budget no run reaches: the limits are not what is compared.
  const config = { ...loadConfig({ APPGOV_MAX_BULK_IDS: '10000', APPGOV_WRITE_WORKER: name === 'writer thread' ? '1' : '0' }), rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 };
  const writer = startWriter(database, config, createLogger({ level: 'error' }));
  const server = createHttpServer(createAppgovYoga({ db: database.db, config, writer }), config);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const close = async () => {
    await new Promise((done) => server.close(done));
    await writer.close();
    database.close();
  };
  return { name, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, token: set.token, close };
}


const sides = [await side('main thread'), await side('writer thread')];
const times = new Map<string, Map<string, number[]>>();
const bulk = (field: string, ids: string[]) =>
  JSON.stringify({ query: `mutation B($c: ID!, $ids: [ID!]!) { ${field}(clientId: $c, appIds: $ids) { succeeded failed { id error code } } }`, variables: { c: clientId(1), ids } });
try {
  for (const n of [1_000, 10_000]) {
    const { ids } = idsFor(n, n === 1_000 ? 1 : 1_001);
    const count = n === 1_000 ? rounds : Math.max(3, Math.floor(rounds / 3));
    for (let r = -2; r < count; r++) {
      for (const field of ['approveApps', 'removeAppApprovals']) {
        for (const s of r % 2 ? [...sides].reverse() : sides) {
          const ms = await post(s.url, s.token, bulk(field, ids));
          if (r < 0) continue;
          const kind = `${n} ${field}`;
          const bySide = times.get(kind) ?? times.set(kind, new Map()).get(kind)!;
          (bySide.get(s.name) ?? bySide.set(s.name, []).get(s.name)!).push(ms);
        }
      }
    }
  }
  console.log('call (changing ids)            main thread  writer thread  writer ÷ main');
  for (const [kind, bySide] of times) {
    const main = median(bySide.get('main thread')!);
    const worker = median(bySide.get('writer thread')!);
    console.log(`${kind.padEnd(30)} ${main.toFixed(1).padStart(8)} ms  ${worker.toFixed(1).padStart(10)} ms  ${(worker / main).toFixed(2).padStart(10)}×`);
  }
} finally {
  for (const s of sides) await s.close();
  dir.remove();
}
