/**
 * What `synchronous = FULL` (the default, APPGOV_DB_SYNC=full) costs beside
 * NORMAL: the bulk section's 1,000-id approveApps / removeAppApprovals over
 * HTTP (writer thread) and both floors, once with each setting, the service
 * and its floors always on the same one. FULL is one fsync of the WAL per
 * transaction, so a bulk call pays it once whatever its size.
 *
 *   npx tsx bench/durability.ts            # 1,000 ids, 4 rounds × 10 samples of each kind per setting
 *   npx tsx bench/durability.ts --quick    # 2 rounds × 6 samples
 *
 * Not part of `npm test`; `npm run bench` runs the bulk section with the environment's APPGOV_DB_SYNC.
 */
import { benchBulk, type BulkRow } from './bulk';
import { benchDir } from './datasets';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 4;
const dir = benchDir();
const ms = (v: number) => `${v.toFixed(1)} ms`;
const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function main(): Promise<void> {
  // Rounds alternate the order (NORMAL, FULL, then FULL, NORMAL, …) so drift on a shared machine lands on both alike.
  const rounds: Record<'full' | 'normal', BulkRow[][]> = { full: [], normal: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const dbSync of round % 2 ? (['full', 'normal'] as const) : (['normal', 'full'] as const)) {
      process.stderr.write(`[durability] round ${round + 1}/${ROUNDS}: synchronous = ${dbSync.toUpperCase()}\n`);
      rounds[dbSync].push(
        (await benchBulk((name) => dir.file(`${round}-${dbSync}-${name}`), {
          sizes: [1000],
          samples: () => (quick ? 6 : 10),
          warmup: () => 2,
          catalogApps: 20_000,
          historyEvents: 100_000,
          dbSync,
        })).rows,
      );
    }
  }
  const lines = [
    `1,000-id bulk calls: the median of ${ROUNDS} rounds' medians (each round's medians in brackets), service over HTTP (writer thread), its floor (appgov schema), the minimal floor`,
    '| call | setting | service | floor | minimal floor |',
    '|---|---|---:|---:|---:|',
  ];
  const kinds = rounds.full[0]!.map((r) => r.kind);
  const pick = (mode: 'full' | 'normal', kind: string, what: 'service' | 'floor' | 'minimal') => rounds[mode].map((rows) => rows.find((r) => r.kind === kind)![what].median);
  for (const kind of kinds) {
    for (const mode of ['normal', 'full'] as const) {
      const cell = (what: 'service' | 'floor' | 'minimal') => `${ms(mid(pick(mode, kind, what)))} [${pick(mode, kind, what).map((v) => v.toFixed(0)).join(', ')}]`;
      lines.push(`| ${kind} | ${mode.toUpperCase()} | ${cell('service')} | ${cell('floor')} | ${cell('minimal')} |`);
    }
    const [n, f] = (['normal', 'full'] as const).map((m) => mid(pick(m, kind, 'service'))) as [number, number];
    lines.push(`| ${kind} | FULL − NORMAL | ${ms(f - n)} | | |`);
  }
  console.log(lines.join('\n'));
}

main()
  .catch((error: unknown) => {
    console.error('durability bench failed:', error);
    process.exitCode = 1;
  })
  .finally(() => dir.remove());
