/**
 * Section 6, in a fresh process so nothing else the bench did is in its
 * memory: fifty N = 10,000 approveApps / removeAppApprovals calls through
 * yoga.fetch, then the kernel's peak resident set size for the process
 * (process.resourceUsage().maxRSS, a high-water mark that also covers the
 * synchronous stretches a timer could not sample). MEMORY_TRACE=1 prints
 * each call's RSS and heap figures to stderr.
 */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { createAppgovYoga } from '../src/yoga';
import { clientId, idsFor } from './datasets';
import { post } from './graphql';

export interface MemoryReport {
  n: number;
  /** How many calls, and which. */
  callCount: number;
  calls: string[];
  /** RSS once the database is open and the server built, before the first call (MB). */
  rssBeforeMb: number;
  /** The process's peak RSS up to that point (MB). */
  peakBeforeMb: number;
  /** The process's peak RSS after the calls (MB): the figure held to the target. */
  peakMb: number;
  /** How long the calls took, one after the other (s): what a setting that lowers the peak costs. */
  seconds: number;
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
// Fifty calls, as a client working through a large catalog makes them: approve and remove in
// turn, each changing every id.
const calls = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'approveApps' : 'removeAppApprovals'));

const rssBeforeMb = process.memoryUsage.rss() / MB;
const peakBeforeMb = process.resourceUsage().maxRSS / 1024;
const callsStarted = performance.now();
for (const field of calls) {
  await post(yoga, token, mutation(field), { clientId: clientId(1), appIds: ids });
  if (process.env.MEMORY_TRACE) {
    const m = process.memoryUsage();
    process.stderr.write(`${field} rss ${(m.rss / MB).toFixed(0)} heap ${(m.heapUsed / MB).toFixed(0)}/${(m.heapTotal / MB).toFixed(0)} ext ${(m.external / MB).toFixed(0)} ab ${(m.arrayBuffers / MB).toFixed(0)} peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}\n`);
  }
}
const report: MemoryReport = {
  n,
  callCount: calls.length,
  calls: ['approveApps and removeAppApprovals in turn, each changing every id'],
  rssBeforeMb,
  peakBeforeMb,
  peakMb: process.resourceUsage().maxRSS / 1024,
  seconds: (performance.now() - callsStarted) / 1000,
};
database.close();
await writer.close();
process.send(report, () => process.disconnect());
