/**
 * A/B of two versions of the service in ONE process, so load on the machine lands on both
 * alike: the checkout at <before> against this tree, each with a database its own tree built
 * (its own migrations; 20,000 apps, 100,000 events, one 10,000-event app), both served over
 * HTTP on 127.0.0.1, calls alternating (the order flips every round). Prints medians and
 * after ÷ before for bulk calls and two reads. Bounded: about a minute.
 *
 *   git archive <commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx bench/ab.ts /tmp/before [rounds]
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { idsFor } from './bulk';
import { appId, benchDir, clientId } from './datasets';
import { median } from './stats';
import { timedPost as post } from './timed-post';

const [beforeArg, roundsArg] = process.argv.slice(2);
if (!beforeArg) throw new Error('usage: npx tsx bench/ab.ts <before checkout> [rounds]');
const rounds = Number(roundsArg ?? 12);
const dir = benchDir();
const shape = { clients: 4, apps: 20_000, events: 100_000, hotEvery: 10 };

async function side(root: string, name: string) {
  const { openDatabase } = await import(`${root}/src/db/open.ts`);
  const { createAppgovYoga } = await import(`${root}/src/yoga.ts`);
  const { createHttpServer } = await import(`${root}/src/http.ts`);
  const { loadConfig } = await import(`${root}/src/config.ts`);
  const { buildDataset } = await import(`${root}/bench/datasets.ts`);
  const set = buildDataset(dir.file(`${name}.db`), shape);
  const { db } = openDatabase(set.path);
  // Room for 10,000 ids and a budget no run reaches: the limits are not what is compared.
  const config = { ...loadConfig({ APPGOV_MAX_BULK_IDS: '10000' }), rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 };
  const server = createHttpServer(createAppgovYoga({ db, config }), config);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { name, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, token: set.token as string, server };
}


const sides = [await side(resolve(beforeArg), 'before'), await side(process.cwd(), 'after')];
const results = new Map<string, { before: number[]; after: number[] }>();
async function round(r: number, kind: string | null, payload: string) {
  for (const s of r % 2 ? [...sides].reverse() : sides) {
    const ms = await post(s.url, s.token, payload);
    if (kind) (results.get(kind) ?? results.set(kind, { before: [], after: [] }).get(kind)!)[s.name as 'before' | 'after'].push(ms);
  }
}
const bulk = (field: string, ids: string[]) =>
  JSON.stringify({
    query: `mutation B($c: ID!, $ids: [ID!]!) { ${field}(clientId: $c, appIds: $ids) { succeeded failed { id error code } } }`,
    variables: { c: clientId(1), ids },
  });
for (const n of [1_000, 10_000]) {
  const { ids } = idsFor(n, n === 1_000 ? 2 : 1_002);
  const times = n === 1_000 ? rounds : Math.max(3, Math.floor(rounds / 3));
  for (let r = -1; r < times; r++) {
    await round(r, r < 0 ? null : `${n} approve`, bulk('approveApps', ids));
    await round(r, r < 0 ? null : `${n} remove`, bulk('removeAppApprovals', ids));
  }
  if (n === 1_000) {
    await round(0, null, bulk('approveApps', ids));
    for (let r = 0; r < rounds; r++) await round(r, '1000 repeat', bulk('approveApps', ids));
  }
}
const reads = {
  'apps(100) { history(5) }': `query R($c: ID!) { client(id: $c) { apps(first: 100) { nodes { id isApproved history(first: 5) { nodes { id createdAt } } } } } }`,
  'appHistory(20), long': `query H($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a, first: 20) { nodes { id type createdAt } pageInfo { hasNextPage } } }`,
};
for (const [kind, query] of Object.entries(reads)) {
  const payload = JSON.stringify({ query, variables: { c: clientId(1), a: appId(1) } });
  for (let r = -3; r < rounds * 3; r++) await round(r, r < 0 ? null : kind, payload);
}
for (const [kind, { before, after }] of results) {
  const [b, a] = [median(before), median(after)];
  console.log(`${kind.padEnd(26)} before ${b.toFixed(1).padStart(7)} ms  after ${a.toFixed(1).padStart(7)} ms  after ÷ before ${(a / b).toFixed(2)}`);
}
for (const s of sides) {
  s.server.closeAllConnections();
  s.server.close();
}
dir.remove();
