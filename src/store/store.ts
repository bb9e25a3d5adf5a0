/**
 * The async store interface: every read and write the schema, the loaders and the routes ask of the
 * database, none of them knowing which store answers. Its signatures are the SQLite services' own
 * (src/services/…: `fn(db, …args)`), without the database and answering a promise; the SQLite store
 * binds them to its connection (src/store/sqlite/), the Postgres store binds its ports of them
 * (src/store/postgres/, same names, same types). Resolvers call `ctx.store`; a new aggregate is added
 * here once, then given to each store.
 */
import type { resolvePrincipal } from '../auth/tokens';
import type { CatalogScanBudget } from '../services/catalog-scan';
import type { ClientAppsPage, ClientAppsQuery } from '../services/apps';
import type { getClientApp, getClientApps } from '../services/apps';
import type { clientHistoryPage, historyPages } from '../services/history';
import type { eventPosition, findInstallRequests, historyAfter, historyHeads } from '../services/history-live';
import type { getWorkspaces } from '../services/workspaces';
import type { decideApp, listAppDecisions } from '../services/app-decisions';
import type { addAppHistoryNote, updateApp } from '../services/app-details';
import type { listAssignmentEvents, listAssignments } from '../services/assignment-lists';
import type { assignApp, unassignApp } from '../services/assignments';
import type { findClient } from '../services/clients';
import type { findDirectory } from '../services/directories';
import type { readDirectory } from '../services/directory-reads';
import type { cancelInstallRequest, createInstallRequest, findInstallRequest, listInstallRequests } from '../services/install-requests';
import type { findWorkspace, listWorkspaceApps, listWorkspaces } from '../services/workspaces';
import type { createWebhook, deleteWebhook, findWebhook, listWebhookDeliveries, listWebhooks, redeliverWebhookEvent } from '../services/webhooks';

/** A service function `fn(db, …args): R` as the store offers it: `(…args) => Promise<R>`. */
export type Bound<F> = F extends (db: never, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  // Tokens (auth/tokens.ts): the principal of an Authorization header, or UNAUTHENTICATED.
  resolvePrincipal: Bound<typeof resolvePrincipal>;

  // Apps as one client sees them (services/apps.ts).
  getClientApp: Bound<typeof getClientApp>;
  /** The loader's batch: many (client, app) pairs at once, in key order, null where missing or not visible. */
  getClientApps: Bound<typeof getClientApps>;
  /** A priced search runs where the store runs its long reads (SQLite: the scanner thread). */
  listClientApps(input: ClientAppsQuery, scan?: CatalogScanBudget): Promise<ClientAppsPage>;

  // History (services/history.ts).
  /** The loader's batch: one page per (client, app, first, after, filter) key, in key order. */
  historyPages: Bound<typeof historyPages>;
  clientHistoryPage: Bound<typeof clientHistoryPage>;

  // Live streams (services/history-live.ts): the events after a position, oldest first; heads; an event's place.
  historyAfter: Bound<typeof historyAfter>;
  historyHeads: Bound<typeof historyHeads>;
  eventPosition: Bound<typeof eventPosition>;
  findInstallRequests: Bound<typeof findInstallRequests>;

  // Workspaces (services/workspaces.ts).
  /** The loader's batch: workspaces by id, in key order, null where there is none. */
  getWorkspaces: Bound<typeof getWorkspaces>;

  // App details and notes (services/app-details.ts).
  updateApp: Bound<typeof updateApp>;
  addAppHistoryNote: Bound<typeof addAppHistoryNote>;

  // Install requests (services/install-requests.ts).
  listInstallRequests: Bound<typeof listInstallRequests>;
  createInstallRequest: Bound<typeof createInstallRequest>;
  cancelInstallRequest: Bound<typeof cancelInstallRequest>;
  findInstallRequest: Bound<typeof findInstallRequest>;

  // Single-app decisions (services/app-decisions.ts).
  decideApp: Bound<typeof decideApp>;
  listAppDecisions: Bound<typeof listAppDecisions>;

  // Assignment listings (services/assignment-lists.ts).
  listAssignments: Bound<typeof listAssignments>;
  listAssignmentEvents: Bound<typeof listAssignmentEvents>;

  // Directories as a directory token reads them (services/directory-reads.ts).
  readDirectory: Bound<typeof readDirectory>;

  // Directories (services/directories.ts).
  findDirectory: Bound<typeof findDirectory>;

  // Assignments (services/assignments.ts).
  assignApp: Bound<typeof assignApp>;
  unassignApp: Bound<typeof unassignApp>;

  // Workspace listings (services/workspaces.ts).
  findWorkspace: Bound<typeof findWorkspace>;
  listWorkspaceApps: Bound<typeof listWorkspaceApps>;
  listWorkspaces: Bound<typeof listWorkspaces>;

  // Clients (services/clients.ts).
  findClient: Bound<typeof findClient>;

  // Webhooks (services/webhooks.ts); their lanes are Backend.webhookQueue.
  createWebhook: Bound<typeof createWebhook>;
  deleteWebhook: Bound<typeof deleteWebhook>;
  findWebhook: Bound<typeof findWebhook>;
  listWebhooks: Bound<typeof listWebhooks>;
  listWebhookDeliveries: Bound<typeof listWebhookDeliveries>;
  redeliverWebhookEvent: Bound<typeof redeliverWebhookEvent>;
}
