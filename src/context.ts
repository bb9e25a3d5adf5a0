import { requestPrincipal } from './auth/tokens';
import type { Principal } from './auth/principal';
import type { Config } from './config';
import type { Db } from './db/open';
import { inThreadWriter, type Writer } from './db/writer';
import { createLoaders, type Loaders } from './loaders';
import { sqliteStore } from './store/sqlite';
import type { Store } from './store/store';
import type { AppgovMetrics } from './observability/metrics';
import { TimeSlice } from './schema/time-slice';
import { CatalogScanBudget, DEFAULT_MAX_SCAN_ROWS } from './services/catalog-scan';

/** Everything a resolver may use, built once per request. */
export interface Context {
  db: Db;
  /** Null when the request carried no Authorization header. */
  principal: Principal | null;
  /** The store every read and write goes through (src/store/store.ts); `db` for what is not moved there yet. */
  store: Store;
  loaders: Loaders;
  maxBulkIds: number;
  /** What this request may still spend walking the catalog (Client.apps' search). */
  catalogScan: CatalogScanBudget;
  /** Where the long writes run (the writer thread, or this one). */
  writer: Writer;
  /** Where the priced catalog searches run (the scanner thread, or this one). */
  scanner: Writer;
  /** When this request's list fields give way to others waiting (schema/time-slice.ts). */
  slice: TimeSlice;
  /** Set when the server collects metrics. */
  metrics?: AppgovMetrics;
}

export async function createContext(
  db: Db,
  config: Pick<Config, 'maxBulkIds'> & Partial<Pick<Config, 'maxScanRows'>>,
  request: Request,
  writer: Writer = inThreadWriter(db),
  scanner: Writer = inThreadWriter(db),
  store: Store = sqliteStore(db, scanner),
): Promise<Context> {
  return {
    db,
    principal: await requestPrincipal(store.resolvePrincipal, request),
    store,
    loaders: createLoaders(store),
    maxBulkIds: config.maxBulkIds,
    catalogScan: new CatalogScanBudget(config.maxScanRows ?? DEFAULT_MAX_SCAN_ROWS),
    writer,
    scanner,
    slice: new TimeSlice(),
  };
}
