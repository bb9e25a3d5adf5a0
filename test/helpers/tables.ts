import type Database from 'better-sqlite3';

/** Row counts of the tables a write may touch: equal before and after means nothing was written. */
export function tableCounts(sqlite: Database.Database) {
  const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    states: count('client_app_states'),
    events: count('app_history_events'),
    apps: count('apps'),
    clients: count('clients'),
    tokens: count('tokens'),
  };
}
