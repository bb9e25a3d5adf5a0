/**
 * Section 2, seed-002 paths: SQL statements per call of the bulk decisions at
 * workspace level and of restrictApps at org level (with workspace approvals
 * to void and pending requests to resolve), at each N. Counted on the service
 * call, like the bulk section's statement figures.
 */
import { approveApps, removeAppApprovals, restrictApps } from '../src/services/approvals';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { appId, buildDataset, clientId, openCounted } from './datasets';
import { count, section, table, verdict, type Check } from './report';

const KINDS = ['approveApps, workspace', 'removeAppApprovals, workspace', 'restrictApps, workspace', 'restrictApps, org (voids, requests)'] as const;
export type DecisionKind = (typeof KINDS)[number];

export interface DecisionRow {
  n: number;
  kind: DecisionKind;
  statements: number;
}

export function benchDecisionStatements(file: (name: string) => string, sizes: readonly number[]): DecisionRow[] {
  // Each size decides its own apps, so no call finds the previous size's decisions.
  const set = buildDataset(file('decisions.db'), { clients: 1, apps: sizes.reduce((a, b) => a + b, 0), events: 0, hotEvery: 0 });
  const db = openCounted(set.path);
  const actor = { tokenId: 'bench', kind: 'internal' as const, name: 'bench', clientId: null, scopes: [] };
  const client = clientId(1);
  const ws = createWorkspace(db.db, { clientId: client, name: 'Measured' });
  const other = createWorkspace(db.db, { clientId: client, name: 'Voided' });
  const rows: DecisionRow[] = [];
  let first = 1;
  try {
    for (const n of sizes) {
      const ids = Array.from({ length: n }, (_, i) => appId(first + i));
      first += n;
      const bulk = { clientId: client, appIds: ids, actor, maxIds: n };
      approveApps(db.db, { ...bulk, workspaceId: other.id });
      for (const id of ids.slice(0, 3)) createInstallRequest(db.db, { clientId: client, workspaceId: other.id, appId: id, actor });
      const measure = (kind: DecisionKind, work: () => unknown) => {
        db.sql.reset();
        work();
        rows.push({ n, kind, statements: db.sql.statements });
      };
      measure('approveApps, workspace', () => approveApps(db.db, { ...bulk, workspaceId: ws.id }));
      measure('removeAppApprovals, workspace', () => removeAppApprovals(db.db, { ...bulk, workspaceId: ws.id }));
      measure('restrictApps, workspace', () => restrictApps(db.db, { ...bulk, workspaceId: ws.id }));
      measure('restrictApps, org (voids, requests)', () => restrictApps(db.db, bulk));
    }
  } finally {
    db.close();
  }
  return rows;
}

export function renderDecisionStatements(rows: readonly DecisionRow[], sizes: readonly number[], checks: Check[]): string {
  const body = KINDS.map((kind) => {
    const perSize = sizes.map((n) => rows.find((r) => r.kind === kind && r.n === n)!.statements);
    const result = verdict(new Set(perSize).size === 1);
    checks.push({ section: '2', what: `${kind}: SQL statements per call at N = ${sizes.map(count).join(' | ')}`, figure: perSize.join(' | '), target: 'equal at every N', verdict: result });
    return [kind, ...perSize.map(String), 'equal at every N', result];
  });
  return section('2b. SQL statements per seed-002 bulk call (service calls)', table(['call', ...sizes.map((n) => `N = ${count(n)}`), 'target', 'result'], body));
}
