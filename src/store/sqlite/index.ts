/**
 * The SQLite store: the services of src/services/ bound to one connection (synchronous inside, as
 * better-sqlite3's transactions must be), each answer a promise as the interface says. The long
 * writes go to the writer thread through ctx.writer; the priced catalog searches to `scanner`.
 */
import type { Db } from '../../db/open';
import type { Writer } from '../../db/writer';
import { getClientApp, getClientApps, listClientApps } from '../../services/apps';
import { clientHistoryPage, historyPages } from '../../services/history';
import { getWorkspaces } from '../../services/workspaces';
import type { Store } from '../store';

export function sqliteStore(db: Db, scanner?: Writer): Store {
  return {
    kind: 'sqlite',
    getClientApp: async (...args) => getClientApp(db, ...args),
    getClientApps: async (...args) => getClientApps(db, ...args),
    listClientApps: (input, scan) => listClientApps(db, input, scan, scanner),
    historyPages: async (...args) => historyPages(db, ...args),
    clientHistoryPage: async (...args) => clientHistoryPage(db, ...args),
    getWorkspaces: async (...args) => getWorkspaces(db, ...args),
  };
}
