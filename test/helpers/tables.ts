import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import { AppgovError } from '../../src/errors';

/** Row counts of the tables a write may touch: equal before and after means nothing was written. */
export function tableCounts(sqlite: Database.Database) {
  const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    states: count('client_app_states'),
    events: count('app_history_events'),
    apps: count('apps'),
    clients: count('clients'),
    tokens: count('tokens'),
    workspaces: count('workspaces'),
    workspaceDecisions: count('workspace_app_decisions'),
    installRequests: count('install_requests'),
    // Rows are updated as well as inserted: a checksum catches a changed status or resolution.
    requestStatuses: (sqlite.prepare("SELECT group_concat(id || status, ',') AS s FROM (SELECT id, status FROM install_requests ORDER BY id)").get() as { s: string | null }).s,
    stateResolutions: (sqlite.prepare("SELECT group_concat(app_id || resolution || needs_reapproval, ',') AS s FROM (SELECT * FROM client_app_states ORDER BY client_id, app_id)").get() as { s: string | null }).s,
    serviceKeys: count('service_keys'),
    directories: count('directories'),
    assignments: count('app_assignments'),
    assignmentEvents: count('app_assignment_events'),
    webhooks: count('webhooks'),
    webhookDeliveries: count('webhook_deliveries'),
  };
}

/** Runs `fn`, expects it to be refused with a domain error, and checks that nothing was written. */
export function expectRefusal(sqlite: Database.Database, fn: () => unknown): AppgovError {
  const before = tableCounts(sqlite);
  try {
    fn();
  } catch (error) {
    expect(tableCounts(sqlite)).toEqual(before);
    if (error instanceof AppgovError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused');
}
