/**
 * Finding 4: a selective history filter must be an index seek. Builds one
 * client whose one app has N events (default 400,000), then times, through
 * yoga.fetch, 99 aliases of `Client.history(first: 1, until: <long ago>)`
 * and of `App.history(first: 1, types: [NOTE_ADDED])` (no event matches
 * either). Run: npx tsx bench/history-filter.ts [events]
 */
import { openDatabase } from '../src/db/open';
import { createAppgovYoga } from '../src/yoga';
import { benchDir, buildDataset } from './datasets';

const events = Number(process.argv[2] ?? 400_000);
const dir = benchDir();
try {
  const dataset = buildDataset(dir.file('history.db'), { clients: 1, apps: 2, events, hotEvery: 1 });
  const database = openDatabase(dataset.path);
  const yoga = createAppgovYoga({ db: database.db, config: { maxBulkIds: 1000 } });
  const aliases = (field: string) => Array.from({ length: 99 }, (_, i) => `h${i}: ${field} { nodes { id } }`).join('\n');
  const queries = {
    'Client.history(first: 1, until: 2000-01-01) ×99': `{ client(id: "${dataset.clientId}") { ${aliases('history(first: 1, until: "2000-01-01T00:00:00Z")')} } }`,
    'appHistory(first: 1, types: [NOTE_ADDED]) ×1': `{ appHistory(clientId: "${dataset.clientId}", appId: "${dataset.hotAppId}", first: 1, types: [NOTE_ADDED]) { nodes { id } } }`,
    'Client.history(first: 1, since: 2100-01-01) ×99': `{ client(id: "${dataset.clientId}") { ${aliases('history(first: 1, since: "2100-01-01T00:00:00Z")')} } }`,
  };
  console.log(`${events} events on one app of one client`);
  for (const [label, query] of Object.entries(queries)) {
    const started = performance.now();
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    const ms = performance.now() - started;
    console.log(`${label}: ${ms.toFixed(1)} ms, HTTP ${response.status}${body.errors ? ` ${JSON.stringify(body.errors).slice(0, 200)}` : ''}`);
  }
  database.close();
} finally {
  dir.remove();
}
