import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_BUSINESS_ID, DEMO_DIRECTORY_ID, seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga } from '../src/yoga';
import { testDatabase } from './helpers/db';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(from: string, to: string): string {
  const start = README.indexOf(from);
  return README.slice(start, README.indexOf(to, start));
}

/** Times and the ids the server makes up differ per run; the demo's fixed ids do not. */
function normalise(value: unknown): unknown {
  const fixed = new Set([DEMO_DIRECTORY_ID, DEMO_BUSINESS_ID]);
  return JSON.parse(
    JSON.stringify(value)
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => (fixed.has(id) ? id : '<id>')),
  );
}

describe("the README's assignment examples, run in the order written against the demo data", () => {
  it('each GraphQL operation and curl call answers what the README shows', async () => {
    const t = testDatabase();
    const token = seedDemoIfEmpty(t.db)!.token;
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });

    const graphql = [...section('### Directories, businesses and app assignments', '### Pagination').matchAll(/```graphql\n([^`]*?)```\s*```json\n([^`]*?)```/g)];
    expect(graphql).toHaveLength(5);
    for (const [, query, response] of graphql) {
      const res = await yoga.fetch('http://127.0.0.1:4000/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { errors?: { locations?: unknown }[] };
      for (const error of body.errors ?? []) delete error.locations;
      expect(normalise(body), query).toEqual(normalise(JSON.parse(response!)));
    }

    const calls = [...section('## Assignment routes', '## Performance').matchAll(/```sh\n(curl [^`]*?)```\s*```json\n([^`]*?)```/g)];
    expect(calls).toHaveLength(4);
    for (const [, command, response] of calls) {
      const url = /"http:\/\/127\.0\.0\.1:4000([^"]+)"/.exec(command!)![1]!;
      const headers = Object.fromEntries([...command!.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1]!, m[2]!.replace('$TOKEN', token)]));
      const method = /-X (\w+)/.exec(command!)?.[1] ?? 'GET';
      const res = await yoga.fetch(`http://127.0.0.1:4000${url}`, { method, headers, body: /-d '([^']*)'/.exec(command!)?.[1] });
      expect(normalise(await res.json()), command).toEqual(normalise(JSON.parse(response!)));
    }
  });
});
