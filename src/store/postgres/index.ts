/**
 * The Postgres store: the ports of the services (src/store/postgres/…, same names and types as
 * src/services/…) bound to one pool. Every call's failure goes through asStoreError: a database
 * that is busy or away answers UNAVAILABLE (503, Retry-After) for reads as for writes.
 */
import type { PgDb } from '../../db/postgres';
import type { Store } from '../store';
import { decideApp, listAppDecisions } from './app-decisions';
import { addAppHistoryNote, updateApp } from './app-details';
import { clientHistoryPage, historyPages } from './history';
import { listWorkspaceApps } from './workspaces';
import { eventPosition, findInstallRequests, historyAfter, historyHeads } from './history-live';
import { assignApp, listAssignmentEvents, listAssignments, readDirectory, unassignApp } from './assignments';
import { getClientApp, getClientApps, listClientApps } from './client-apps';
import { cancelInstallRequest, createInstallRequest, findInstallRequest, listInstallRequests } from './install-requests';
import { findClient, findDirectory, findWorkspace, getWorkspaces, listWorkspaces, resolvePrincipal } from './tenancy';
import { asStoreError } from './transaction';
import { createWebhook, deleteWebhook, findWebhook, listWebhookDeliveries, listWebhooks, redeliverWebhookEvent } from './webhooks';

/** `fn(db, …args)` as the store offers it, its failures as the caller should see them. */
export function bind<A extends unknown[], R>(db: PgDb, fn: (db: PgDb, ...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) =>
    fn(db, ...args).catch((error: unknown) => {
      throw asStoreError(error);
    });
}

export function postgresStore(db: PgDb): Store {
  return {
    kind: 'postgres',
    resolvePrincipal: bind(db, resolvePrincipal),
    getClientApp: bind(db, getClientApp),
    getClientApps: bind(db, getClientApps),
    listClientApps: bind(db, listClientApps),
    historyPages: bind(db, historyPages),
    clientHistoryPage: bind(db, clientHistoryPage),
    historyAfter: bind(db, historyAfter),
    historyHeads: bind(db, historyHeads),
    eventPosition: bind(db, eventPosition),
    findInstallRequests: bind(db, findInstallRequests),
    getWorkspaces: bind(db, getWorkspaces),
    updateApp: bind(db, updateApp),
    addAppHistoryNote: bind(db, addAppHistoryNote),
    listInstallRequests: bind(db, listInstallRequests),
    createInstallRequest: bind(db, createInstallRequest),
    cancelInstallRequest: bind(db, cancelInstallRequest),
    findInstallRequest: bind(db, findInstallRequest),
    decideApp: bind(db, decideApp),
    listAppDecisions: bind(db, listAppDecisions),
    listAssignments: bind(db, listAssignments),
    listAssignmentEvents: bind(db, listAssignmentEvents),
    readDirectory: bind(db, readDirectory),
    findDirectory: bind(db, findDirectory),
    assignApp: bind(db, assignApp),
    unassignApp: bind(db, unassignApp),
    findWorkspace: bind(db, findWorkspace),
    listWorkspaceApps: bind(db, listWorkspaceApps),
    listWorkspaces: bind(db, listWorkspaces),
    findClient: bind(db, findClient),
    createWebhook: bind(db, createWebhook),
    deleteWebhook: bind(db, deleteWebhook),
    findWebhook: bind(db, findWebhook),
    listWebhooks: bind(db, listWebhooks),
    listWebhookDeliveries: bind(db, listWebhookDeliveries),
    redeliverWebhookEvent: bind(db, redeliverWebhookEvent),
  };
}
