import DataLoader from 'dataloader';
import type { Db } from '../db/open';
import { getClientApps, type ClientApp } from '../services/apps';
import { historyPages, type HistoryEvent, type HistoryPageKey } from '../services/history';
import { getWorkspaces, type Workspace } from '../services/workspaces';
import type { Page } from '../services/pagination';

/**
 * Every DataLoader, built fresh for each request by the context: a loader
 * shared between requests would serve one caller's cached rows to another.
 * Each batch function runs one SQL statement and answers in key order.
 */
export function createLoaders(db: Db) {
  return {
    /** One page of one app's history; all pages asked for in one tick cost one statement. */
    historyPage: new DataLoader<HistoryPageKey, Page<HistoryEvent>, string>(async (keys) => historyPages(db, keys), {
      cacheKeyFn: (k) => JSON.stringify([k.clientId, k.appId, k.first, k.after, k.filter]),
      // Bounded so one batch's JSON key list and result stay small even for huge queries.
      maxBatchSize: 500,
    }),
    /** One app as one client sees it (an event's `app`); null when the catalog has no such app. */
    clientApp: new DataLoader<{ clientId: string; appId: string }, ClientApp | null, string>(
      async (keys) => getClientApps(db, keys),
      { cacheKeyFn: (k) => `${k.clientId}|${k.appId}`, maxBatchSize: 500 },
    ),
    /** One workspace by id (an install request's `workspace`); null when there is none. */
    workspace: new DataLoader<string, Workspace | null>(async (ids) => getWorkspaces(db, ids), { maxBatchSize: 500 }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
