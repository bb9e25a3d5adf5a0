/**
 * Every row of the route table, from one list. A new family of routes is one file exporting its
 * rows (see table.ts for how to write one) and one entry here.
 */
import { schema } from '../schema';
import { RouteTable } from './compile';
import { assignmentRoutes } from './assignments';
import { restV2Routes } from './rest-v2';
import { slackRoutes } from './slack';
import type { RouteRow } from './table';

export const ROUTES: readonly RouteRow[] = [...restV2Routes, ...slackRoutes, ...assignmentRoutes];

/** Compiled once, when the server module loads: a row whose operation does not fit the schema stops the start. */
export const routeTable = new RouteTable(ROUTES, schema);

/** The largest body a route reads: room for APPGOV_MAX_BULK_IDS ids (about 40 bytes each, quoted) and the other keys. */
export function maxRouteBodyBytes(maxBulkIds: number): number {
  return 16 * 1024 + 100 * maxBulkIds;
}
