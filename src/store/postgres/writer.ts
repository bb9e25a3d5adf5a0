/**
 * The bulk decision writes (approveApps, removeAppApprovals, restrictApps) on Postgres, behind the
 * same Writer interface the SQLite writer thread serves (src/db/writer.ts): the same validation
 * (services/approvals.ts bulkDecideInput), the same rules, the same answers; each call one
 * transaction of decidePg. Other WRITE_OPS are the SQLite connection's own (its `synchronous`
 * pragma, its compiled scans) and are refused here.
 */
import type { PgDb } from '../../db/postgres';
import type { Writer } from '../../db/writer';
import type { WriteInput, WriteOp, WriteResult } from '../../db/write-ops';
import { bulkDecideInput, bulkResultOf, type BulkApprovalInput } from '../../services/approvals';
import type { DecisionAction } from '../../services/decision-rules';
import { decidePg } from './decisions';
import { DEFAULT_BOUNDS, type TransactionBounds } from './transaction';

const ACTIONS: Partial<Record<WriteOp, DecisionAction>> = { approveApps: 'approve', removeAppApprovals: 'unapprove', restrictApps: 'restrict' };

export function postgresWriter(db: PgDb, bounds: TransactionBounds = DEFAULT_BOUNDS): Writer {
  let closed = false;
  return {
    where: 'in-thread',
    async run<K extends WriteOp>(op: K, input: WriteInput<K>): Promise<WriteResult<K>> {
      if (closed) throw new Error('The writer is closed.');
      const action = ACTIONS[op];
      if (!action) throw new Error(`${op} is not a Postgres write`);
      // Validated before the transaction: a malformed call never takes the tenant's lock.
      const call = bulkDecideInput(input as BulkApprovalInput, action);
      return bulkResultOf(await decidePg(db, call, bounds)) as WriteResult<K>;
    },
    async close() {
      closed = true;
    },
  };
}
