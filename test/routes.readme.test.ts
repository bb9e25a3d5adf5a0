import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga } from '../src/yoga';
import { testDatabase } from './helpers/db';

/** The README's /v2 curl calls, each followed by its ```json response, in the order written. */
function readmeRestExamples() {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const pattern = /```sh\n(curl [^`]*?\/v2\/[^`]*?)```\s*```json\n([^`]*?)```/g;
  return [...readme.matchAll(pattern)].map(([, command, response]) => {
    const url = /"http:\/\/127\.0\.0\.1:4000(\/v2\/[^"]+)"/.exec(command!)![1]!;
    const headers = Object.fromEntries([...command!.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
    const method = /-X (\w+)/.exec(command!)?.[1] ?? 'GET';
    return { command: command!, method, url, headers, body: /-d '([^']*)'/.exec(command!)?.[1], response: JSON.parse(response!) };
  });
}

describe("the README's REST examples, run as written against the demo data", () => {
  const examples = readmeRestExamples();

  it('finds the seeds\' two calls and the refused example body', () => {
    expect(examples.map((e) => `${e.method} ${e.url}`)).toEqual([
      'POST /v2/clients/aa7cf840-9ca9-46a3-9778-9015d6580d50/apps/approval',
      'POST /v2/clients/aa7cf840-9ca9-46a3-9778-9015d6580d50/apps/approvals/remove',
      'POST /v2/clients/aa7cf840-9ca9-46a3-9778-9015d6580d50/apps/approval',
    ]);
  });

  it('each answers exactly the response shown', async () => {
    const t = testDatabase();
    const token = seedDemoIfEmpty(t.db)!.token;
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
    for (const example of examples) {
      const headers = Object.fromEntries(Object.entries(example.headers).map(([k, v]) => [k, v.replace('$TOKEN', token)]));
      const res = await yoga.fetch(`http://127.0.0.1:4000${example.url}`, { method: example.method, headers, body: example.body });
      expect(await res.json(), example.command).toEqual(example.response);
    }
  });
});
