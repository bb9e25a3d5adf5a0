/**
 * `npx tsx bench/routes-overhead.ts`: what a /v2 route costs next to the equivalent /graphql
 * request (POST with a JSON body, and GET), in process (yoga.fetch, no sockets), on the demo
 * data. Variants run interleaved; the best round is the figure least disturbed by other load.
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

const APP_QUERY =
  'query ($c: ID!, $a: ID!) { app(clientId: $c, appId: $a) { id name codeName isApproved approvedAt resolution ownerEmail category riskLevel version updatedAt } }';
const APPROVE = 'mutation ($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids) { succeeded failed { id error code } } }';

type Call = () => Response | Promise<Response>;
const postGraphql = (query: string, variables: unknown): Call => () =>
  yoga.fetch('http://x/graphql', { method: 'POST', headers: json, body: JSON.stringify({ query, variables }) });

const cases: Record<string, Record<string, Call>> = {
  'GET one app': {
    'REST GET /v2/…/apps/{id}': () => yoga.fetch(`http://x/v2/clients/${DEMO_CLIENT_ID}/apps/${appIds[0]}`, { headers: auth }),
    'POST /graphql': postGraphql(APP_QUERY, { c: DEMO_CLIENT_ID, a: appIds[0] }),
    'GET /graphql': () => {
      const variables = encodeURIComponent(JSON.stringify({ c: DEMO_CLIENT_ID, a: appIds[0] }));
      return yoga.fetch(`http://x/graphql?query=${encodeURIComponent(APP_QUERY)}&variables=${variables}`, {
        headers: { ...auth, accept: 'application/json' },
      });
    },
  },
  'approve 6 apps (idempotent repeat)': {
    'REST POST /v2/…/apps/approval': () =>
      yoga.fetch(`http://x/v2/clients/${DEMO_CLIENT_ID}/apps/approval`, { method: 'POST', headers: json, body: JSON.stringify({ app_ids: appIds }) }),
    'POST /graphql': postGraphql(APPROVE, { c: DEMO_CLIENT_ID, ids: appIds }),
  },
};

async function perCall(call: Call, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const res = await call();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.text();
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / n;
}

for (const [name, variants] of Object.entries(cases)) {
  const rounds: Record<string, number[]> = {};
  for (let round = 0; round < 16; round++) {
    for (const [variant, call] of Object.entries(variants)) (rounds[variant] ??= []).push(await perCall(call, 200));
  }
  console.log(name);
  for (const [variant, times] of Object.entries(rounds)) {
    const sorted = times.slice(1).sort((a, b) => a - b);
    console.log(`  ${variant.padEnd(32)} best ${sorted[0]!.toFixed(0).padStart(5)} µs, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0).padStart(5)} µs`);
  }
}
