/** Turns the measured results into the printed tables and the list of checks against the targets. */
import { BULK_KINDS, type BulkRow } from './bulk';
import type { FairnessResult } from './fairness';
import type { GrowthRow, ReadPathResult } from './reads';
import type { HttpResult, HttpRun } from './http';
import type { MemoryReport } from './memory-child';
import { command, count, ms, section, table, times, verdict, type Check } from './report';

/** Issue 12's targets (the bulk ratios are against the minimal floor). */
export const TARGETS = {
  bulkRatioMinimal: { 1_000: 1.5, 10_000: 1.3 } as Record<number, number>,
  repeatRatioMinimal: { 1_000: 2.0 } as Record<number, number>,
  historyStatements: 1,
  growthRatio: 1.5,
  approve10Ratio: 0.5,
  smallReadRatio: 0.6,
  gatewayRatio: 1.1,
  fairnessRatio: 3,
  peakRssMb: 200,
} as const;

const targetFor = (r: BulkRow) => (r.kind === 'approveApps, repeat' ? TARGETS.repeatRatioMinimal : TARGETS.bulkRatioMinimal)[r.n];

export function renderBulk(rows: readonly BulkRow[], checks: Check[]): string {
  const body = rows.map((r) => {
    const target = targetFor(r);
    const result = target === undefined ? 'info' : verdict(r.ratioMinimal <= target);
    if (target !== undefined) {
      checks.push({
        section: '1',
        what: `${r.kind}, N = ${count(r.n)}, over HTTP ÷ minimal floor`,
        figure: `${times(r.ratioMinimal)} (${ms(r.service.median)} ÷ ${ms(r.minimal.median)} ms; ÷ today's floor ${times(r.ratio)})`,
        target: `≤ ${target.toFixed(1)}`,
        verdict: result,
        command: command('bulk'),
      });
    }
    return [
      count(r.n), r.kind, ms(r.service.median), ms(r.service.p95), ms(r.floor.median), r.floorShape, ms(r.minimal.median), r.minimalShape,
      times(r.ratio), times(r.ratioMinimal), target === undefined ? '-' : `≤ ${target.toFixed(1)}`, result,
    ];
  });
  return section(
    '1. Bulk approvals over HTTP (127.0.0.1) vs two raw better-sqlite3 floors (ms; WAL file databases holding 20,000 apps and 100,000 history events; 10% of ids unknown)',
    table(['N', 'call', 'service med', 'p95', "today's floor", 'shape', 'minimal floor', 'shape', "÷ today's", '÷ minimal', 'target', 'result'], body),
    [
      `samples per row: ${rows.map((r) => `${count(r.n)}: ${r.service.samples}`).filter((v, i, a) => a.indexOf(v) === i).join(', ')}; ratio of medians; service, today's floor and minimal floor interleaved call by call.`,
      'service: the JSON body built, POST /graphql to an in-process server built as src/server.ts builds it (rate limits raised out of reach), the answer parsed.',
      "today's floor: the same lookup / upsert / history insert on appgov's own schema and pragmas, statements prepared once, one immediate transaction.",
      'minimal floor: the same work on the least schema that serves every read (bench/minimal-floor.ts): no foreign keys, no unique event id, listing indexes only.',
      'each floor: set-based (json_each) and per-row shapes, each on its own identical file; the faster one at each row is the floor.',
    ],
  );
}

export function renderStatements(rows: readonly BulkRow[], sizes: readonly number[], checks: Check[]): string {
  const body = BULK_KINDS.map((kind) => {
    const perSize = sizes.map((n) => rows.find((r) => r.kind === kind && r.n === n)!.statements);
    const all = new Set(perSize.flat());
    const result = verdict(all.size === 1);
    const figure = perSize.map((s) => s.join('/')).join(' | ');
    checks.push({ section: '2', what: `${kind}: SQL statements per call at N = ${sizes.map(count).join(' | ')}`, figure, target: 'equal at every N', verdict: result, command: command('bulk') });
    return [kind, ...perSize.map((s) => s.join('/')), 'equal at every N', result];
  });
  return section(
    "2. SQL statements per bulk call (Drizzle logger's logQuery calls, every timed call)",
    table(['call', ...sizes.map((n) => `N = ${count(n)}`), 'target', 'result'], body),
  );
}

export function renderReadPath(r: ReadPathResult, shape: string, checks: Check[]): string {
  const historyOk = r.historyStatements.length === 1 && r.historyStatements[0] === TARGETS.historyStatements;
  checks.push({ section: '3', what: 'read path: statements on app_history_events per request', figure: r.historyStatements.join('/'), target: `${TARGETS.historyStatements}`, verdict: verdict(historyOk), command: command('reads') });
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
    checks.push({ section: '4', what: `growth of the ${r.page} page, big ÷ small`, figure: times(r.ratio), target: `≤ ${TARGETS.growthRatio}`, verdict: result, command: command('growth') });
    return [r.page, ms(r.small.median), ms(r.small.p95), ms(r.big.median), ms(r.big.p95), times(r.ratio), `≤ ${TARGETS.growthRatio}`, result];
  });
  return section(
    '4. Growth: the same page on a small and a big database (ms; ratio of medians)',
    table(['page', 'small med', 'p95', 'big med', 'p95', 'big ÷ small', 'target', 'result'], body),
    [`small: ${small}`, `big:   ${big}`, `${rows[0]?.small.samples ?? 0} requests per page and size, small and big alternating; both return the same number of items.`],
  );
}

export function renderHttp(h: HttpResult, checks: Check[]): string {
  const { bare, smallRead, approve10, restApprove10, getApp, restGetApp, approveOne, slackApproveOne } = h.runs;
  const ratios: { what: string; figure: number; target: number; atLeast: boolean; detail: string }[] = [
    { what: '10-id approve req/s ÷ bare { __typename } with token', figure: approve10.requestsPerSecond / bare.requestsPerSecond, target: TARGETS.approve10Ratio, atLeast: true, detail: `p50 ${ms(approve10.latencyP50)} ms, p99 ${ms(approve10.latencyP99)} ms` },
    { what: 'small read req/s ÷ bare { __typename } with token', figure: smallRead.requestsPerSecond / bare.requestsPerSecond, target: TARGETS.smallReadRatio, atLeast: true, detail: '' },
    // Time per request is 1 / throughput on a saturated server: route ÷ GraphQL time = GraphQL req/s ÷ route req/s.
    { what: 'REST POST /v2/…/apps/approval (10 ids) ÷ the same POST /graphql', figure: approve10.requestsPerSecond / restApprove10.requestsPerSecond, target: TARGETS.gatewayRatio, atLeast: false, detail: '' },
    { what: 'REST GET /v2/…/apps/{id} ÷ its operation over POST /graphql', figure: getApp.requestsPerSecond / restGetApp.requestsPerSecond, target: TARGETS.gatewayRatio, atLeast: false, detail: '' },
    { what: 'Slack POST /api/admin.apps.approve / .clearResolution ÷ the same POST /graphql', figure: approveOne.requestsPerSecond / slackApproveOne.requestsPerSecond, target: TARGETS.gatewayRatio, atLeast: false, detail: '' },
  ];
  const rows = ratios.map((r) => {
    const result = verdict(r.atLeast ? r.figure >= r.target : r.figure <= r.target);
    checks.push({ section: '5', what: r.what, figure: `${times(r.figure)}${r.detail ? ` (${r.detail})` : ''}`, target: `${r.atLeast ? '≥' : '≤'} ${r.target}`, verdict: result, command: command('http') });
    return [r.what, times(r.figure), `${r.atLeast ? '≥' : '≤'} ${r.target}`, result];
  });
  const row = (r: HttpRun) => [r.label, count(Math.round(r.requestsPerSecond)), r.rounds.map((x) => count(Math.round(x))).join(' / '), ms(r.latencyP50), ms(r.latencyP99), `${Math.round(r.serverCpu * 100)}%`, count(r.failures)];
  return section(
    `5. HTTP throughput with autocannon on 127.0.0.1 (${h.connections} connections, one token each; ${h.rounds} rounds of ${h.seconds} s per request, interleaved; server in its own process with the real configuration)`,
    [
      table(['request', 'req/s (median)', 'per round', 'p50 ms', 'p99 ms', 'server CPU', 'failed'], Object.values(h.runs).map(row)),
      '',
      table(['measure', 'figure', 'target', 'result'], rows),
    ].join('\n'),
    [
      'failed: non-2xx (a 429 included), socket errors, timeouts and answers to reads that differ from the checked first answer.',
      'writes: each connection approves then removes its own 10 apps, so every call changes 10 states and writes 10 events.',
    ],
  );
}

export function renderMemory(m: MemoryReport, checks: Check[]): string {
  const result = verdict(m.peakMb < TARGETS.peakRssMb);
  checks.push({ section: '6', what: `peak RSS through ${m.callCount} calls of N = ${count(m.n)} ids`, figure: `${m.peakMb.toFixed(0)} MB`, target: `< ${TARGETS.peakRssMb} MB`, verdict: result, command: command('memory') });
  return section(
    `6. Memory: peak RSS of a fresh service process through ${m.callCount} bulk calls of N = ${count(m.n)} ids`,
    table(
      ['measure', 'figure', 'target', 'result'],
      [
        ['RSS before the first call', `${m.rssBeforeMb.toFixed(0)} MB`, '-', 'info'],
        ['peak RSS of the process, through the calls', `${m.peakMb.toFixed(0)} MB`, `< ${TARGETS.peakRssMb} MB`, result],
        ['the calls, one after the other', `${m.seconds.toFixed(2)} s`, '-', 'info'],
      ],
    ),
    [`calls: ${m.calls.join(', ')}; peak from process.resourceUsage().maxRSS (kernel high-water mark), ${m.peakBeforeMb.toFixed(0)} MB before the calls.`],
  );
}

export function renderFairness(f: FairnessResult, checks: Check[]): string {
  const result = verdict(f.ratio <= TARGETS.fairnessRatio);
  checks.push({
    section: '7',
    what: "another tenant's small-read p99 while one token hammers 1,000-id calls ÷ its idle p99",
    figure: `${times(f.ratio)} (${ms(f.loaded.p99)} ÷ ${ms(f.idle.p99)} ms)`,
    target: `≤ ${TARGETS.fairnessRatio}`,
    verdict: result,
    command: command('fairness'),
  });
  const row = (label: string, l: FairnessResult['idle'], seconds: number) => [label, ms(l.p50), ms(l.p99), count(l.samples), `${seconds} s`];
  return section(
    "7. Fairness: another tenant's small read (one every 20 ms) while 16 connections of one token send 1,000-id bulk calls",
    [
      table(['other tenant', 'p50 ms', 'p99 ms', 'reads', 'for'], [row('idle', f.idle, f.idleSeconds), row('one token hammering', f.loaded, f.loadSeconds)]),
      '',
      table(['measure', 'figure', 'target', 'result'], [['loaded p99 ÷ idle p99', times(f.ratio), `≤ ${TARGETS.fairnessRatio}`, result]]),
    ].join('\n'),
    [`server: src/server.ts's real configuration (per-token rate limits on, defaults unless set in the environment); the hammering calls were answered ${JSON.stringify(f.answers)}.`],
  );
}

export function renderChecks(checks: readonly Check[]): string {
  const misses = checks.filter((c) => c.verdict === 'MISS').length;
  return section(
    `Targets: ${checks.length - misses} PASS, ${misses} MISS`,
    table(['#', 'figure', 'measured', 'target', 'result', 'reproduce'], checks.map((c) => [c.section, c.what, c.figure, c.target, c.verdict, c.command])),
    ['add --quick to any command for fewer samples (iterating); npm run bench alone runs every section.'],
  );
}
