/**
 * The single-app decisions on Postgres, as services/app-decisions.ts on SQLite: approve (with
 * scopes), restrict or clear one app, named by its id or by an install request, at org level or in
 * one workspace. The same subject rules, scope check and error mapping (the shared pure functions);
 * the decision itself is decidePg's (decideInTx), not a copy of it.
 *
 * One transaction: the tenant's row is locked first, then the request is read and decided under that
 * lock, so a decision and a cancel of the same request, or two decisions of one app, run one after
 * the other and the second sees the first's commit (REQUEST_ALREADY_RESOLVED, or nothing to change).
 */
import type { PgDb } from '../../db/postgres';
import { appDecideInput, appDecisionOutcome, appDecisionSubject, visibleAppScopesSql, type AppDecisionOutcome, type DecideAppInput } from '../../services/app-decisions';
import { parseReason } from '../../services/fields';
import { parseId } from '../../services/ids';
import { decideInTx } from './decisions';
import { lockTenant, requestInScopeTx, txRows } from './install-requests';
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
