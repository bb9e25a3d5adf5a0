/**
 * The cost of time-limited approvals (issue 20), on the embedded SQLite store (a file, durable
 * settings, the service as the writer thread runs it): a 1,000-id approve with an end ÷ the same
 * approve without one, each followed by the removal that undoes it, timed in alternating order over
 * the same apps (target: within 5%); and the expiry of 1,000 lapsed approvals of one client (one
 * sweep: one transaction, a fixed number of statements).
 */
import { openDatabase } from '../src/db/open';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { expireApprovals } from '../src/services/expiry';
import { CountingLogger } from './datasets';
import { ms, table, times, verdict, command, type Check } from './report';
import { median } from './stats';

export interface ExpiryResult {
  ids: number;
  rounds: number;
  withEndMs: number;
  withoutEndMs: number;
  ratio: number;
  sweepMs: number;
  sweepExpired: number;
  sweepStatements: number;
  approveStatementsWithEnd: number;
  approveStatementsWithout: number;
}

const IDS = 1000;
const TARGET = 1.05;

export function benchExpiry(file: string, quick: boolean): ExpiryResult {
  const counter = new CountingLogger();
  const opened = openDatabase(file, { logger: counter });
  const { db } = opened;
  const clientId = createClient(db, { name: 'Expiry bench' }).id;
  const appIds: string[] = [];
  db.transaction((tx) => {
    for (let i = 0; i < IDS; i++) appIds.push(createApp(tx, { name: `Expiry bench app ${String(i).padStart(4, '0')}` }).id);
  });
  const actor = { tokenId: 'bench', kind: 'internal' as const, name: 'bench', clientId: null, scopes: ['apps:read', 'apps:write'] as const };
  const base = { clientId, appIds, actor, maxIds: IDS };
  // Ends a year ahead: nothing lapses while timed.
  const end = () => new Date(Date.now() + 365 * 86_400_000);
  const pair = (withEnd: boolean) => {
    const t0 = performance.now();
    approveApps(db, { ...base, ...(withEnd ? { expiresAt: end() } : {}) });
    const t1 = performance.now();
    removeAppApprovals(db, base);
    return t1 - t0;
  };
  for (let i = 0; i < 3; i++) {
    pair(true);
    pair(false);
  }
  const rounds = quick ? 10 : 30;
  const withEnd: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      withEnd.push(pair(true));
      without.push(pair(false));
    } else {
      without.push(pair(false));
      withEnd.push(pair(true));
    }
  }
  const statementsOf = (work: () => void) => {
    const before = counter.statements;
    work();
    return counter.statements - before;
  };
  const approveStatementsWithout = statementsOf(() => approveApps(db, base));
  removeAppApprovals(db, base);
  const endsAt = new Date(Date.now() + 60_000);
  const approveStatementsWithEnd = statementsOf(() => approveApps(db, { ...base, expiresAt: endsAt }));
  // The sweep, once the end has passed (its clock is the argument).
  let sweep = { clients: 0, expired: 0 };
  const t0 = performance.now();
  const sweepStatements = statementsOf(() => {
    sweep = expireApprovals(db, new Date(endsAt.getTime() + 1));
  });
  const sweepMs = performance.now() - t0;
  opened.close();
  const withEndMs = median(withEnd);
  const withoutEndMs = median(without);
  return {
    ids: IDS,
    rounds,
    withEndMs,
    withoutEndMs,
    ratio: withEndMs / withoutEndMs,
    sweepMs,
    sweepExpired: sweep.expired,
    sweepStatements,
    approveStatementsWithEnd,
    approveStatementsWithout,
  };
}

export function renderExpiry(r: ExpiryResult, checks: Check[]): string {
  checks.push({
    section: 'expiry',
    what: `${r.ids}-id approve with an end ÷ without (median of ${r.rounds} rounds each, alternating)`,
    figure: times(r.ratio),
    target: `≤ ${TARGET}`,
    verdict: verdict(r.ratio <= TARGET),
    command: command('expiry'),
  });
  checks.push({
    section: 'expiry',
    what: `statements: ${r.ids}-id approve with an end / without`,
    figure: `${r.approveStatementsWithEnd} / ${r.approveStatementsWithout}`,
    target: 'equal',
    verdict: verdict(r.approveStatementsWithEnd === r.approveStatementsWithout),
    command: command('expiry'),
  });
  return [
    `\nTime-limited approvals (SQLite file, durable; ${r.ids} ids, every call changes every id):`,
    table(
      ['call', 'median', 'statements'],
      [
        ['approve with an end', `${ms(r.withEndMs)} ms`, String(r.approveStatementsWithEnd)],
        ['approve without one', `${ms(r.withoutEndMs)} ms`, String(r.approveStatementsWithout)],
        [`sweep: ${r.sweepExpired} lapsed approvals of one client`, `${ms(r.sweepMs)} ms`, String(r.sweepStatements)],
      ],
    ),
  ].join('\n');
}
