import DataLoader from 'dataloader';
import type { ClientApp } from '../services/apps';
import type { HistoryEvent, HistoryPageKey } from '../services/history';
import type { Workspace } from '../services/workspaces';
import type { Page } from '../services/pagination';
import type { Store } from '../store/store';

/**
 * Every DataLoader, built fresh for each request by the context: a loader
 * shared between requests would serve one caller's cached rows to another.
 * Each batch function is one store call (one SQL statement) and answers in key order.
 */
export function createLoaders(store: Store) {
  return {
    /** One page of one app's history; all pages asked for in one tick cost one statement. */
    historyPage: new DataLoader<HistoryPageKey, Page<HistoryEvent>, string>((keys) => store.historyPages(keys), {
      cacheKeyFn: (k) => JSON.stringify([k.clientId, k.appId, k.first, k.after, k.filter]),
      // Bounded so one batch's JSON key list and result stay small even for huge queries.
      maxBatchSize: 500,
    }),
    /** One app as one client sees it (an event's `app`); null when the catalog has no such app. */
    clientApp: new DataLoader<{ clientId: string; appId: string }, ClientApp | null, string>(
      (keys) => store.getClientApps(keys),
      { cacheKeyFn: (k) => `${k.clientId}|${k.appId}`, maxBatchSize: 500 },
    ),
    /** One workspace by id (an install request's `workspace`); null when there is none. */
    workspace: new DataLoader<string, Workspace | null>((ids) => store.getWorkspaces(ids), { maxBatchSize: 500 }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
