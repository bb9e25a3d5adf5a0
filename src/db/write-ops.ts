import { approveApps, removeAppApprovals, restrictApps } from '../services/approvals';

/**
 * The writes that may run in the writer thread (src/db/writer.ts): each is one
 * synchronous transaction over plain input and output (structured-cloneable),
 * and long enough (a 1,000-id call holds a thread for tens of ms) that running
 * it beside the event loop keeps other requests answered meanwhile.
 * The worker imports this module: it pulls in the services, not the schema.
 */
export const WRITE_OPS = { approveApps, removeAppApprovals, restrictApps } as const;

export type WriteOp = keyof typeof WRITE_OPS;
export type WriteInput<K extends WriteOp> = Parameters<(typeof WRITE_OPS)[K]>[1];
export type WriteResult<K extends WriteOp> = ReturnType<(typeof WRITE_OPS)[K]>;
