/**
 * What the `appgov` command asks of the database, on either store: the same service functions
 * (SQLite: src/services/…, Postgres: their ports in src/store/postgres/…), opened for one command
 * and closed after it. APPGOV_DATABASE_URL set: Postgres (migrated first, as the server does);
 * unset: the SQLite file APPGOV_DB.
 */
import type { Principal } from './auth/principal';
import * as liteTokens from './auth/tokens';
import type { Config } from './config';
import { openDatabase } from './db/open';
import { openPostgres, type PgDb } from './db/postgres';
import * as liteDecisions from './services/app-decisions';
import * as liteApps from './services/apps';
import * as liteClients from './services/clients';
import * as liteDirectories from './services/directories';
import * as liteRequests from './services/install-requests';
import * as liteWorkspaces from './services/workspaces';
import * as pgCatalogUpdates from './store/postgres/app-catalog';
import * as pgCatalog from './store/postgres/catalog';
import * as pgRequests from './store/postgres/install-requests';
import * as pgTenancy from './store/postgres/tenancy';
import * as pgTenants from './store/postgres/tenants';
import * as pgTokens from './store/postgres/tokens';
import { bind } from './store/postgres/index';
import { asStoreError } from './store/postgres/transaction';

type Async<F> = F extends (db: never, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

export interface CliStore {
  createClient: Async<typeof liteClients.createClient>;
  listClients: Async<typeof liteClients.listClients>;
  createDirectory: Async<typeof liteDirectories.createDirectory>;
  createApp: Async<typeof liteApps.createApp>;
  listCatalogApps: Async<typeof liteApps.listCatalogApps>;
  updateAppCatalog: Async<typeof liteDecisions.updateAppCatalog>;
  createWorkspace: Async<typeof liteWorkspaces.createWorkspace>;
  findWorkspace: Async<typeof liteWorkspaces.findWorkspace>;
  createInstallRequest: (input: liteRequests.CreateInstallRequestInput & { actor: Principal }) => Promise<{ id: string }>;
  createToken: Async<typeof liteTokens.createToken>;
  revokeToken: Async<typeof liteTokens.revokeToken>;
  listTokens: Async<typeof liteTokens.listTokens>;
  close(): Promise<void>;
}

/** Opens the command's database (migrating it); `close` when the command is done. */
export async function openCliStore(config: Pick<Config, 'dbPath' | 'dbSync' | 'databaseUrl'>): Promise<CliStore> {
  if (config.databaseUrl) {
    const opened = await openPostgres(config.databaseUrl, { poolSize: 2 }).catch((error: unknown) => {
      throw asStoreError(error);
    });
    const { db } = opened;
    const guard = <A extends unknown[], R>(fn: (db: PgDb, ...args: A) => Promise<R>) => bind(db, fn);
    return {
      createClient: guard(pgTenants.createClient),
      listClients: guard(pgTenants.listClients),
      createDirectory: guard(pgTenants.createDirectory),
      createApp: guard(pgCatalog.createApp),
      listCatalogApps: guard(pgCatalog.listCatalogApps),
      updateAppCatalog: guard(pgCatalogUpdates.updateAppCatalog),
      createWorkspace: guard(pgTenants.createWorkspace),
      findWorkspace: guard(pgTenancy.findWorkspace),
      createInstallRequest: guard(pgRequests.createInstallRequest),
      createToken: guard(pgTokens.createToken),
      revokeToken: guard(pgTokens.revokeToken),
      listTokens: guard(pgTokens.listTokens),
      close: () => opened.close(),
    };
  }
  const { db, close } = openDatabase(config.dbPath, { dbSync: config.dbSync });
  const sync =
    <A extends unknown[], R>(fn: (d: typeof db, ...args: A) => R) =>
    async (...args: A): Promise<R> =>
      fn(db, ...args);
  return {
    createClient: sync(liteClients.createClient),
    listClients: sync(liteClients.listClients),
    createDirectory: sync(liteDirectories.createDirectory),
    createApp: sync(liteApps.createApp),
    listCatalogApps: sync(liteApps.listCatalogApps),
    updateAppCatalog: sync(liteDecisions.updateAppCatalog),
    createWorkspace: sync(liteWorkspaces.createWorkspace),
    findWorkspace: sync(liteWorkspaces.findWorkspace),
    createInstallRequest: sync(liteRequests.createInstallRequest),
    createToken: sync(liteTokens.createToken),
    revokeToken: sync(liteTokens.revokeToken),
    listTokens: sync(liteTokens.listTokens),
    close: async () => close(),
  };
}
