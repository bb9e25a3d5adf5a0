/**
 * The single-app decisions on Postgres, as services/app-decisions.ts on SQLite: approve (with
 * scopes), restrict or clear one app, named by its id or by an install request, at org level or in
 * one workspace. The same subject rules, scope check and error mapping (the shared pure functions);
 * the decision itself is decidePg's (decideInTx), not a copy of it.
 *
 * One transaction: the tenant's row is locked first, then the request is read and decided under that
 * lock, so a decision and a cancel of the same request, or two decisions of one app, run one after
 * the other and the second sees the first's commit (REQUEST_ALREADY_RESOLVED, or nothing to change).
 *
 * And the decision listings (listAppDecisions): a workspace's by app id, the same statement, pages and
 * cursors as SQLite's. The org-level listing is NOT ported: SQLite pages it in client_app_states' rowid
 * order, and the Postgres table has no column that holds that order (see listAppDecisions).
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import {
  appDecideInput,
  appDecisionOutcome,
  appDecisionsPage,
  appDecisionsSeek,
  appDecisionSubject,
  notLapsed,
  visibleAppScopesSql,
  workspaceDecisionsSql,
  type AppDecision,
  type AppDecisionOutcome,
  type AppDecisionRow,
  type AppDecisionsQuery,
  type DecideAppInput,
} from '../../services/app-decisions';
import type { Page } from '../../services/pagination';
import { parseReason } from '../../services/fields';
import { parseId } from '../../services/ids';
import { decideInTx } from './decisions';
import { lockTenant, requestInScopeTx, txRows } from './install-requests';
import { pgRows } from './rows';
import { DEFAULT_BOUNDS, inTransaction, type TransactionBounds } from './transaction';

export async function decideApp(db: PgDb, input: DecideAppInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<AppDecisionOutcome> {
  const reason = parseReason(input.reason);
  const requestId = input.subject.requestId ? parseId(input.subject.requestId, 'requestId') : null;
  return inTransaction(
    db,
    async (tx) => {
      // An unknown client locks nothing; the statements below refuse it as SQLite's do.
      const client = (await lockTenant(tx, input.clientId)) ?? { directoryId: null };
      const request = requestId ? await requestInScopeTx(tx, requestId, input.clientId, input.workspaceId) : null;
      const subject = appDecisionSubject(input, request);
      // An app this client may not see is left to the decision, which answers as for an unknown one.
      const [app] = subject.scopes && input.action === 'approve' ? await txRows<{ scopes: string }>(tx, visibleAppScopesSql(input.clientId, subject.appId)) : [];
      const plan = await decideInTx(tx, appDecideInput(input, subject, app, reason), client);
      return appDecisionOutcome(input, subject.appId, plan);
    },
    bounds,
  );
}

/**
 * The apps approved (or restricted) in one workspace, by app id, keyset-paged on
 * workspace_app_decisions_listing_idx (workspace, resolution, app_id): SQLite's statement, pages and
 * cursors (a cursor from one store continues the listing on the other).
 *
 * The org level is listed in the order of client_app_states.row_seq, Postgres's name for what SQLite's
 * rowid is (given when the client first decided or edited the app, kept by every upsert), on the
 * (client, resolution, row_seq) index; its cursors hold that number, as SQLite's hold the rowid.
 */
export async function listAppDecisions(db: PgDb, input: AppDecisionsQuery): Promise<Page<AppDecision>> {
  const workspaceId = input.workspaceId;
  const seek = appDecisionsSeek(input);
  const { after, size } = seek;
  const now = Date.now();
  const rows = await pgRows(db)<AppDecisionRow>(
    workspaceId === null
      ? sql`
          SELECT x.row_seq::float8 AS sort_key, x.app_id, x.approved_scopes, x.decided_at, x.decided_by, NULL AS decided_by_name, x.approval_expires_at
          FROM client_app_states AS x
          WHERE x.client_id = ${input.clientId} AND x.resolution = ${input.resolution} ${after ? sql`AND x.row_seq > ${after[0]}` : sql``}
            AND ${notLapsed(sql`x`, now)}
          ORDER BY x.row_seq LIMIT ${size + 1}`
      : workspaceDecisionsSql({ ...input, workspaceId }, after ? (after[0] as string) : null, size, now),
  );
  return appDecisionsPage(input, seek, rows);
}
