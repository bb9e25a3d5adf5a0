/**
 * `npx tsx bench/routes-overhead.ts`: what a /v2 route costs over the equivalent POST /graphql,
 * in process (yoga.fetch, no sockets), on the demo data. Interleaved rounds, median per call.
 */
import { openDatabase } from '../src/db/open';
import { DEMO_APPS, DEMO_CLIENT_ID, seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga } from '../src/yoga';

const { db } = openDatabase(':memory:');
const { token } = seedDemoIfEmpty(db)!;
const yoga = createAppgovYoga({ db, config: { maxBulkIds: 1000 } });
const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, 'content-type': 'application/json' };
const appIds = DEMO_APPS.map((a) => a.id);

const pairs = {
  'GET one app': {
    rest: () => yoga.fetch(`http://x/v2/clients/${DEMO_CLIENT_ID}/apps/${appIds[0]}`, { headers: auth }),
    graphql: () =>
      yoga.fetch('http://x/graphql', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          query: 'query ($c: ID!, $a: ID!) { app(clientId: $c, appId: $a) { id name codeName isApproved approvedAt resolution ownerEmail category riskLevel version updatedAt } }',
          variables: { c: DEMO_CLIENT_ID, a: appIds[0] },
        }),
      }),
  },
  'approve 6 apps (idempotent repeat)': {
    rest: () => yoga.fetch(`http://x/v2/clients/${DEMO_CLIENT_ID}/apps/approval`, { method: 'POST', headers: json, body: JSON.stringify({ app_ids: appIds }) }),
    graphql: () =>
      yoga.fetch('http://x/graphql', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          query: 'mutation ($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids) { succeeded failed { id error code } } }',
          variables: { c: DEMO_CLIENT_ID, ids: appIds },
        }),
      }),
  },
};

async function time(call: () => Response | Promise<Response>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const res = await call();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.text();
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [name, pair] of Object.entries(pairs)) {
  await time(pair.rest, 300);
  await time(pair.graphql, 300);
  const restUs: number[] = [];
  const gqlUs: number[] = [];
  for (let round = 0; round < 9; round++) {
    restUs.push(await time(pair.rest, 300));
    gqlUs.push(await time(pair.graphql, 300));
  }
  const r = median(restUs);
  const g = median(gqlUs);
  console.log(`${name}: REST ${r.toFixed(0)} µs, GraphQL ${g.toFixed(0)} µs per call; REST ÷ GraphQL = ${(r / g).toFixed(2)}`);
}
