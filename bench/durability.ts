/**
 * What `synchronous = FULL` (the default, APPGOV_DB_SYNC=full) costs beside
 * NORMAL: the bulk section's 1,000-id approveApps / removeAppApprovals over
 * HTTP (writer thread) and both floors, once with each setting, the service
 * and its floors always on the same one. FULL is one fsync of the WAL per
 * transaction, so a bulk call pays it once whatever its size.
 *
 *   npx tsx bench/durability.ts            # 1,000 ids, 20 samples of each kind per setting
 *   npx tsx bench/durability.ts --quick    # 8 samples
 *
 * Not part of `npm test`; `npm run bench` runs the bulk section with the environment's APPGOV_DB_SYNC.
 */
import { benchBulk, type BulkRow } from './bulk';
import { benchDir } from './datasets';

const quick = process.argv.includes('--quick');
const dir = benchDir();
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function main(): Promise<void> {
  const byMode: Record<'full' | 'normal', BulkRow[]> = { full: [], normal: [] };
  for (const dbSync of ['normal', 'full'] as const) {
    process.stderr.write(`[durability] synchronous = ${dbSync.toUpperCase()}\n`);
    byMode[dbSync] = await benchBulk((name) => dir.file(`${dbSync}-${name}`), {
      sizes: [1000],
      samples: () => (quick ? 8 : 20),
      warmup: () => 2,
      catalogApps: 20_000,
      historyEvents: 100_000,
      dbSync,
    });
  }
  const lines = ['1,000-id bulk calls, median (p95): the service over HTTP, its floor (appgov schema) and the minimal floor, with each synchronous setting'];
  lines.push('| call | setting | service | floor | minimal floor |', '|---|---|---:|---:|---:|');
  for (const kind of byMode.full.map((r) => r.kind)) {
    for (const mode of ['normal', 'full'] as const) {
      const row = byMode[mode].find((r) => r.kind === kind)!;
      lines.push(`| ${kind} | ${mode.toUpperCase()} | ${ms(row.service.median)} (${ms(row.service.p95)}) | ${ms(row.floor.median)} | ${ms(row.minimal.median)} |`);
    }
    const [n, f] = (['normal', 'full'] as const).map((m) => byMode[m].find((r) => r.kind === kind)!.service.median) as [number, number];
    lines.push(`| ${kind} | FULL − NORMAL | ${ms(f - n)} (${((f / n - 1) * 100).toFixed(0)} %) | | |`);
  }
  console.log(lines.join('\n'));
}

main()
  .catch((error: unknown) => {
    console.error('durability bench failed:', error);
    process.exitCode = 1;
  })
  .finally(() => dir.remove());
