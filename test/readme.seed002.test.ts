import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEMO_APPS, DEMO_CLIENT_ID, DEMO_REQUEST_ID, DEMO_WORKSPACES, seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga } from '../src/yoga';
import { testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const between = (from: string, to: string) => readme.slice(readme.indexOf(from), readme.indexOf(to, readme.indexOf(from)));

/** The demo's fixed ids stay as written; any other UUID (new requests, token ids) and Slack's unix times are compared by shape. */
const FIXED = new Set<string>([DEMO_CLIENT_ID, DEMO_REQUEST_ID, ...DEMO_APPS.map((a) => a.id), ...DEMO_WORKSPACES.map((w) => w.id)]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function normalise(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  if (typeof value === 'string' && UUID.test(value) && !FIXED.has(value)) return '<uuid>';
  if (typeof value === 'number' && key.startsWith('date_')) return '<unix time>';
  return value;
}

/** One `curl` of the README as a fetch: -X, -H "K: V", -d k=v (form) or -d '{json}'. */
function curlToFetch(command: string, token: string) {
  const expanded = command.replaceAll('$TOKEN', token);
  const url = /curl -X POST (\S+)/.exec(expanded)![1]!;
  const headers = Object.fromEntries([...expanded.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
  const json = /-d '([^']*)'/.exec(expanded)?.[1];
  const form = [...expanded.matchAll(/-d ([^'\s]\S*)/g)].map((m) => m[1]!).join('&');
  if (json === undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { url, init: { method: 'POST', headers, body: json ?? form } };
}

it("the README's seed-002 GraphQL examples and Slack curl calls answer what it shows, in the order written", async () => {
  const graphql = [...between('### Workspaces, install requests and decisions', '### Pagination').matchAll(/```graphql\n([^`]*?)```\s*```json\n([^`]*?)```/g)];
  const curls = [...between('## Slack routes', '## Performance').matchAll(/```sh\n(curl [^`]*?)```\s*```json\n([^`]*?)```/g)];
  expect([graphql.length, curls.length]).toEqual([8, 6]);

  const t = testDatabase();
  const token = seedDemoIfEmpty(t.db)!.token;
  const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
  for (const [, query, response] of graphql) {
    const res = await gql(yoga, query!, {}, token);
    expect(normalise(res.body), query).toEqual(normalise(JSON.parse(response!)));
  }
  for (const [, command, response] of curls) {
    const { url, init } = curlToFetch(command!.trim(), token);
    const res = await yoga.fetch(url, init);
    expect(normalise(await res.json()), command).toEqual(normalise(JSON.parse(response!)));
  }
});
