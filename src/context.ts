import { requestPrincipal } from './auth/tokens';
import type { Principal } from './auth/principal';
import type { Config } from './config';
import { requestStore, type Backend } from './backend';
import type { Writer } from './db/writer';
import { createLoaders, type Loaders } from './loaders';
import type { Store } from './store/store';
import type { AppgovMetrics } from './observability/metrics';
import type { EventHub } from './live/hub';
import { TimeSlice } from './schema/time-slice';
import { CatalogScanBudget, DEFAULT_MAX_SCAN_ROWS } from './services/catalog-scan';

/** Everything a resolver may use, built once per request. */
export interface Context {
  /** Null when the request carried no Authorization header. */
  principal: Principal | null;
  /** The store every read and write goes through (src/store/store.ts). */
  store: Store;
  loaders: Loaders;
  maxBulkIds: number;
  /** What this request may still spend walking the catalog (Client.apps' search). */
  catalogScan: CatalogScanBudget;
  /** Where the long writes run (the writer thread, or this one). */
  writer: Writer;
  /** When this request's list fields give way to others waiting (schema/time-slice.ts). */
  slice: TimeSlice;
  /** Set when the server collects metrics. */
  metrics?: AppgovMetrics;
  /** The live streams' wake-ups (subscriptions); set by createAppgovYoga. */
  live?: EventHub;
  /** APPGOV_WEBHOOK_ALLOW_PRIVATE: webhook URLs on private addresses are allowed. */
  webhookAllowPrivate: boolean;
  /** The request itself (Yoga adds it): subscriptions check its token again as they run. */
  request: Request;
}

export async function createContext(
  backend: Pick<Backend, 'store' | 'writer' | 'callsPerRequest'>,
  config: Pick<Config, 'maxBulkIds'> & Partial<Pick<Config, 'maxScanRows' | 'webhookAllowPrivate'>>,
  request: Request,
): Promise<Context> {
  const { writer } = backend;
  const store = backend.callsPerRequest ? requestStore(backend.store, backend.callsPerRequest) : backend.store;
  return {
    principal: await requestPrincipal(store.resolvePrincipal, request),
    store,
    loaders: createLoaders(store),
    maxBulkIds: config.maxBulkIds,
    catalogScan: new CatalogScanBudget(config.maxScanRows ?? DEFAULT_MAX_SCAN_ROWS),
    writer,
    slice: new TimeSlice(),
    webhookAllowPrivate: config.webhookAllowPrivate ?? false,
    request,
  };
}
