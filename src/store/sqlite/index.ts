/**
 * The SQLite store: the services of src/services/ bound to one connection (synchronous inside, as
 * better-sqlite3's transactions must be), each answer a promise as the interface says. The long
 * writes go to the writer thread through ctx.writer; the priced catalog searches to `scanner`.
 */
import { resolvePrincipal } from '../../auth/tokens';
import type { Db } from '../../db/open';
import type { Writer } from '../../db/writer';
import { getClientApp, getClientApps, listClientApps } from '../../services/apps';
import { clientHistoryPage, historyPages } from '../../services/history';
import { getWorkspaces } from '../../services/workspaces';
import { eventPosition, findInstallRequests, historyAfter, historyHeads } from '../../services/history-live';
import { decideApp, listAppDecisions } from '../../services/app-decisions';
import { addAppHistoryNote, updateApp } from '../../services/app-details';
import { listAssignmentEvents, listAssignments } from '../../services/assignment-lists';
import { assignApp, unassignApp } from '../../services/assignments';
import { findClient } from '../../services/clients';
import { findDirectory } from '../../services/directories';
import { readDirectory } from '../../services/directory-reads';
import { cancelInstallRequest, createInstallRequest, findInstallRequest, listInstallRequests } from '../../services/install-requests';
import { findWorkspace, listWorkspaceApps, listWorkspaces } from '../../services/workspaces';
import { createWebhook, deleteWebhook, findWebhook, listWebhookDeliveries, listWebhooks, redeliverWebhookEvent } from '../../services/webhooks';
import type { Store } from '../store';

export function sqliteStore(db: Db, scanner?: Writer): Store {
  return {
    kind: 'sqlite',
    resolvePrincipal: async (...args) => resolvePrincipal(db, ...args),
    getClientApp: async (...args) => getClientApp(db, ...args),
    getClientApps: async (...args) => getClientApps(db, ...args),
    listClientApps: (input, scan) => listClientApps(db, input, scan, scanner),
    historyPages: async (...args) => historyPages(db, ...args),
    clientHistoryPage: async (...args) => clientHistoryPage(db, ...args),
    historyAfter: async (...args) => historyAfter(db, ...args),
    historyHeads: async (...args) => historyHeads(db, ...args),
    eventPosition: async (...args) => eventPosition(db, ...args),
    findInstallRequests: async (...args) => findInstallRequests(db, ...args),
    getWorkspaces: async (...args) => getWorkspaces(db, ...args),
    updateApp: async (...args) => updateApp(db, ...args),
    addAppHistoryNote: async (...args) => addAppHistoryNote(db, ...args),
    listInstallRequests: async (...args) => listInstallRequests(db, ...args),
    createInstallRequest: async (...args) => createInstallRequest(db, ...args),
    cancelInstallRequest: async (...args) => cancelInstallRequest(db, ...args),
    findInstallRequest: async (...args) => findInstallRequest(db, ...args),
    decideApp: async (...args) => decideApp(db, ...args),
    listAppDecisions: async (...args) => listAppDecisions(db, ...args),
    listAssignments: async (...args) => listAssignments(db, ...args),
    listAssignmentEvents: async (...args) => listAssignmentEvents(db, ...args),
    readDirectory: async (...args) => readDirectory(db, ...args),
    findDirectory: async (...args) => findDirectory(db, ...args),
    assignApp: async (...args) => assignApp(db, ...args),
    unassignApp: async (...args) => unassignApp(db, ...args),
    findWorkspace: async (...args) => findWorkspace(db, ...args),
    listWorkspaceApps: async (...args) => listWorkspaceApps(db, ...args),
    listWorkspaces: async (...args) => listWorkspaces(db, ...args),
    findClient: async (...args) => findClient(db, ...args),
    createWebhook: async (...args) => createWebhook(db, ...args),
    deleteWebhook: async (...args) => deleteWebhook(db, ...args),
    findWebhook: async (...args) => findWebhook(db, ...args),
    listWebhooks: async (...args) => listWebhooks(db, ...args),
    listWebhookDeliveries: async (...args) => listWebhookDeliveries(db, ...args),
    redeliverWebhookEvent: async (...args) => redeliverWebhookEvent(db, ...args),
  };
}
