/**
 * Section 6, in a fresh process so nothing else the bench did is in its
 * memory: N = 10,000 approveApps / removeAppApprovals calls through
 * yoga.fetch, then the kernel's peak resident set size for the process
 * (process.resourceUsage().maxRSS, a high-water mark that also covers the
 * synchronous stretches a timer could not sample).
 */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { createAppgovYoga } from '../src/yoga';
import { idsFor } from './bulk';
import { clientId } from './datasets';
import { post } from './graphql';

export interface MemoryReport {
  n: number;
  calls: string[];
  /** RSS once the database is open and the server built, before the first call (MB). */
  rssBeforeMb: number;
  /** The process's peak RSS up to that point (MB). */
  peakBeforeMb: number;
  /** The process's peak RSS after the calls (MB): the figure held to the target. */
  peakMb: number;
}

const [dbPath, token, size] = process.argv.slice(2);
if (!dbPath || !token || !size || !process.send) throw new Error('usage: forked by bench/memory.ts');
const n = Number(size);
const MB = 1024 * 1024;

const database = openDatabase(dbPath);
const config = loadConfig();
// As src/server.ts: the bulk calls run in the writer thread (another V8 isolate in this process) unless APPGOV_WRITE_WORKER=0.
const writer = startWriter(database, config, createLogger({ level: 'error' }));
const yoga = createAppgovYoga({ db: database.db, config: { maxBulkIds: n }, writer });
// The thread's start-up (tsx compiling its modules, opening the database) belongs to "before the first call".
if (writer.where === 'worker') await writer.run('approveApps', { clientId: clientId(1), appIds: ['x'], actor: { tokenId: '', kind: 'internal', name: '', clientId: null, scopes: [] }, maxIds: 1 }).catch(() => {});
const { ids } = idsFor(n, 1);
const mutation = (field: string) =>
  `mutation Bulk($clientId: ID!, $appIds: [ID!]!) { ${field}(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } } }`;
const calls = ['approveApps', 'removeAppApprovals', 'approveApps', 'approveApps'];

const rssBeforeMb = process.memoryUsage.rss() / MB;
const peakBeforeMb = process.resourceUsage().maxRSS / 1024;
for (const field of calls) await post(yoga, token, mutation(field), { clientId: clientId(1), appIds: ids });
const report: MemoryReport = {
  n,
  calls: calls.map((c, i) => (i === calls.length - 1 ? `${c} (repeat)` : c)),
  rssBeforeMb,
  peakBeforeMb,
  peakMb: process.resourceUsage().maxRSS / 1024,
};
database.close();
await writer.close();
process.send(report, () => process.disconnect());
