/** Turns the measured results into the printed tables and the list of checks against the targets. */
import { BULK_KINDS, type BulkRow } from './bulk';
import type { GrowthRow, ReadPathResult } from './reads';
import type { HttpResult } from './http';
import type { MemoryReport } from './memory-child';
import { count, ms, section, table, times, verdict, type Check } from './report';

export const TARGETS = {
  bulkRatio: 2.0,
  bulkRatioSizes: [1_000, 10_000],
  historyStatements: 1,
  growthRatio: 1.5,
  httpRatio: 0.5,
  peakRssMb: 250,
} as const;

export function renderBulk(rows: readonly BulkRow[], checks: Check[]): string {
  const body = rows.map((r) => {
    const held = (TARGETS.bulkRatioSizes as readonly number[]).includes(r.n);
    const result = held ? verdict(r.ratio <= TARGETS.bulkRatio) : 'info';
    if (held) {
      checks.push({ section: '1', what: `${r.kind}, N = ${count(r.n)}: service ÷ floor`, figure: times(r.ratio), target: `≤ ${TARGETS.bulkRatio.toFixed(1)}`, verdict: result });
    }
    return [count(r.n), r.kind, ms(r.service.median), ms(r.service.p95), ms(r.floor.median), ms(r.floor.p95), r.floorShape, times(r.ratio), held ? `≤ ${TARGETS.bulkRatio.toFixed(1)}` : '-', result];
  });
  return section(
    '1. Bulk approvals through yoga.fetch vs the raw better-sqlite3 floor (ms, WAL file databases, 10% of ids unknown)',
    table(['N', 'call', 'service med', 'p95', 'floor med', 'p95', 'floor shape', 'service ÷ floor', 'target', 'result'], body),
    [
      `samples per row: ${rows.map((r) => `${count(r.n)}: ${r.service.samples}`).filter((v, i, a) => a.indexOf(v) === i).join(', ')}; ratio of medians.`,
      'floor: the same lookup / upsert / history insert with statements prepared once, in one immediate transaction;',
      'both shapes (set-based json_each, per-row loop) are timed on their own identical files; the faster one is the floor.',
    ],
  );
}

export function renderStatements(rows: readonly BulkRow[], sizes: readonly number[], checks: Check[]): string {
  const body = BULK_KINDS.map((kind) => {
    const perSize = sizes.map((n) => rows.find((r) => r.kind === kind && r.n === n)!.statements);
    const all = new Set(perSize.flat());
    const result = verdict(all.size === 1);
    const figure = perSize.map((s) => s.join('/')).join(' | ');
    checks.push({ section: '2', what: `${kind}: SQL statements per call at N = ${sizes.map(count).join(' | ')}`, figure, target: 'equal at every N', verdict: result });
    return [kind, ...perSize.map((s) => s.join('/')), 'equal at every N', result];
  });
  return section(
    "2. SQL statements per bulk call (Drizzle logger's logQuery calls, every timed call)",
    table(['call', ...sizes.map((n) => `N = ${count(n)}`), 'target', 'result'], body),
  );
}

export function renderReadPath(r: ReadPathResult, shape: string, checks: Check[]): string {
  const historyOk = r.historyStatements.length === 1 && r.historyStatements[0] === TARGETS.historyStatements;
  checks.push({ section: '3', what: 'read path: statements on app_history_events per request', figure: r.historyStatements.join('/'), target: `${TARGETS.historyStatements}`, verdict: verdict(historyOk) });
  return section(
    `3. Read path: client.apps(first: 100) with history(first: 5) per app, ${shape}`,
    table(
      ['measure', 'figure', 'target', 'result'],
      [
        ['latency median', `${ms(r.latency.median)} ms`, '-', 'info'],
        ['latency p95', `${ms(r.latency.p95)} ms`, '-', 'info'],
        ['SQL statements per request', r.statements.join('/'), '-', 'info'],
        ['  of which hit app_history_events', r.historyStatements.join('/'), `${TARGETS.historyStatements}`, verdict(historyOk)],
      ],
    ),
    [`${r.latency.samples} requests; each returned ${r.appsReturned} apps and ${r.eventsReturned} history events.`],
  );
}

export function renderGrowth(rows: readonly GrowthRow[], small: string, big: string, checks: Check[]): string {
  const body = rows.map((r) => {
    const result = verdict(r.ratio <= TARGETS.growthRatio);
    checks.push({ section: '4', what: `growth of the ${r.page} page, big ÷ small`, figure: times(r.ratio), target: `≤ ${TARGETS.growthRatio}`, verdict: result });
    return [r.page, ms(r.small.median), ms(r.small.p95), ms(r.big.median), ms(r.big.p95), times(r.ratio), `≤ ${TARGETS.growthRatio}`, result];
  });
  return section(
    '4. Growth: the same page on a small and a big database (ms; ratio of medians)',
    table(['page', 'small med', 'p95', 'big med', 'p95', 'big ÷ small', 'target', 'result'], body),
    [`small: ${small}`, `big:   ${big}`, `${rows[0]?.small.samples ?? 0} requests per page and size, small and big alternating; both return the same number of items.`],
  );
}

export function renderHttp(h: HttpResult, checks: Check[]): string {
  const result = verdict(h.ratio >= TARGETS.httpRatio);
  checks.push({ section: '5', what: 'HTTP: small read req/s ÷ bare { __typename } req/s', figure: times(h.ratio), target: `≥ ${TARGETS.httpRatio}`, verdict: result });
  const row = (r: HttpResult['read']) => [r.label, count(Math.round(r.requestsPerSecond)), ms(r.latencyP50), ms(r.latencyP99), `${Math.round(r.serverCpu * 100)}%`, count(r.failures)];
  return section(
    `5. HTTP throughput with autocannon on 127.0.0.1 (${h.connections} connections, ${h.read.seconds.toFixed(1)} s per run, server in its own process)`,
    [
      table(['request', 'req/s', 'p50 ms', 'p99 ms', 'server CPU', 'failed'], [row(h.read), row(h.bareAuthenticated), row(h.bare)]),
      '',
      table(
        ['measure', 'figure', 'target', 'result'],
        [
          ['small read ÷ bare { __typename } (no token: the ceiling)', times(h.ratio), `≥ ${TARGETS.httpRatio}`, result],
          ['small read ÷ bare { __typename } with token', times(h.ratioAuthenticated), '-', 'info'],
        ],
      ),
    ].join('\n'),
    ['failed: non-2xx, socket errors, timeouts and answers that differ from the checked first answer.'],
  );
}

export function renderMemory(m: MemoryReport, checks: Check[]): string {
  const result = verdict(m.peakMb < TARGETS.peakRssMb);
  checks.push({ section: '6', what: `peak RSS during N = ${count(m.n)} calls`, figure: `${m.peakMb.toFixed(0)} MB`, target: `< ${TARGETS.peakRssMb} MB`, verdict: result });
  return section(
    `6. Memory: peak RSS of a fresh service process during N = ${count(m.n)} bulk calls`,
    table(
      ['measure', 'figure', 'target', 'result'],
      [
        ['RSS before the first call', `${m.rssBeforeMb.toFixed(0)} MB`, '-', 'info'],
        ['peak RSS of the process, through the calls', `${m.peakMb.toFixed(0)} MB`, `< ${TARGETS.peakRssMb} MB`, result],
      ],
    ),
    [`calls: ${m.calls.join(', ')}; peak from process.resourceUsage().maxRSS (kernel high-water mark), ${m.peakBeforeMb.toFixed(0)} MB before the calls.`],
  );
}

export function renderChecks(checks: readonly Check[]): string {
  const misses = checks.filter((c) => c.verdict === 'MISS').length;
  return section(
    `Targets: ${checks.length - misses} PASS, ${misses} MISS`,
    table(['#', 'figure', 'measured', 'target', 'result'], checks.map((c) => [c.section, c.what, c.figure, c.target, c.verdict])),
  );
}
