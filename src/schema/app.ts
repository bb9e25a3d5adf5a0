import { requireClientScope } from '../auth/access';
import type { RiskLevel } from '../db/schema';
import { BadUserInputError } from '../errors';
import type { ClientApp, ClientAppsPage } from '../services/apps';
import { preflight, preflightFields } from '../limits/preflight';
import { decodeHistoryCursor, parseHistoryFilter } from '../services/history';
import { pageSize } from '../services/pagination';
import { builder } from './builder';
import { BATCHED } from './time-slice';
import { connectionType } from './connections';
import { AppHistoryEventConnection, AppHistoryEventRef, historyArgs } from './history';
import { AppResolutionEnum } from './resolution';

export const RiskLevelEnum = builder.enumType('RiskLevel', {
  description: "A client's own judgement of an app's risk.",
  values: {
    LOW: { value: 'LOW', description: 'Low risk.' },
    MEDIUM: { value: 'MEDIUM', description: 'Medium risk.' },
    HIGH: { value: 'HIGH', description: 'High risk.' },
    CRITICAL: { value: 'CRITICAL', description: 'Critical risk.' },
  } as const satisfies Record<RiskLevel, { value: RiskLevel; description: string }>,
});

/**
 * A client's state for an app is read data: selecting it needs apps:read,
 * also inside a mutation's result (checked before the mutation runs), so an
 * apps:write-only token learns no more than the catalog's id, name and code name.
 */
const READ = preflight({ scope: 'apps:read' });

type AppHistoryArgs = Parameters<typeof parseHistoryFilter>[0] & { first?: number | null; after?: string | null };

/**
 * App.history's arguments, checked before a mutation that selects it runs.
 * A cursor is sealed to its list (the client, the app, the filters), which is
 * only known once the mutation has run, so a mutation's result takes the
 * first page only; later pages are read with a query.
 */
function checkAppHistoryInMutation(args: AppHistoryArgs): void {
  pageSize(args.first);
  parseHistoryFilter(args);
  if (args.after !== null && args.after !== undefined) {
    throw new BadUserInputError("after is not accepted in a mutation's result: read further pages with a query", { field: 'after' });
  }
}

/** The catalog entry's identity: what any token that may call the mutation may read back. */
const CATALOG = preflight({});

export const AppRef = builder.objectRef<ClientApp>('App').implement({
  // Every other field, wherever it is defined (scopes, needsReapproval, ownerDirectoryId…), is client state: apps:read.
  extensions: preflightFields({ scope: 'apps:read' }),
  description:
    "A catalog app as one client sees it: the catalog entry plus that client's decision and attributes. Every field but id, name and codeName is the client's state and needs the apps:read scope, also in a mutation's result: an apps:write-only token selecting one is refused with FORBIDDEN before the mutation runs, writing nothing.",
  fields: (t) => ({
    id: t.exposeID('id', { extensions: CATALOG, description: 'The app id (UUID).' }),
    name: t.exposeString('name', { extensions: CATALOG, description: 'Display name.' }),
    codeName: t.exposeString('codeName', { extensions: CATALOG, description: 'Unique, stable code name (a-z, 0-9, "-", "_").' }),
    resolution: t.field({
      extensions: READ,
      type: AppResolutionEnum,
      description: "This client's resolution for the app; UNRESOLVED until decided.",
      resolve: (app) => app.resolution,
    }),
    isApproved: t.boolean({
      extensions: READ,
      description: 'True exactly when `resolution` is APPROVED.',
      resolve: (app) => app.resolution === 'approved',
    }),
    approvedAt: t.field({
      extensions: READ,
      type: 'DateTime',
      nullable: true,
      description: 'When the app was approved for this client; null while it is not approved.',
      resolve: (app) => (app.resolution === 'approved' ? app.decidedAt : null),
    }),
    approvalExpiresAt: t.field({
      extensions: READ,
      type: 'DateTime',
      nullable: true,
      description:
        'When the org-level approval ends (given with expiresAt / expiresIn); null for a permanent approval and while the app is not approved. From that instant the app reads as not approved, and an APPROVAL_EXPIRED event records it.',
      resolve: (app) => (app.resolution === 'approved' ? app.approvalExpiresAt : null),
    }),
    ownerEmail: t.exposeString('ownerEmail', { extensions: READ, nullable: true, description: "Who owns the app on the client's side; set with updateApp." }),
    category: t.exposeString('category', { extensions: READ, nullable: true, description: "The client's category for the app; set with updateApp." }),
    riskLevel: t.field({
      extensions: READ,
      type: RiskLevelEnum,
      nullable: true,
      description: "The client's risk level for the app; set with updateApp.",
      resolve: (app) => app.riskLevel,
    }),
    version: t.exposeInt('version', {
      extensions: READ,
      description:
        "This client's state version: 0 until the first change, +1 for every call that changes something. Pass it as updateApp's `expectedVersion` to refuse lost updates.",
    }),
    updatedAt: t.field({
      extensions: READ,
      type: 'DateTime',
      nullable: true,
      description: "When this client's state for the app last changed; null while it never has.",
      resolve: (app) => app.updatedAt,
    }),
    history: t.field({
      type: AppHistoryEventConnection,
      description:
        "This app's history for this client, newest first, optionally filtered. Needs the apps:read scope. Batched: every app of a page is fetched in one query. In a mutation's result only the first page (no `after`), checked before the mutation runs.",
      args: historyArgs,
      extensions: { ...preflight({ scope: 'apps:read', args: checkAppHistoryInMutation }), ...BATCHED },
      resolve: (app, args, ctx) => {
        requireClientScope(ctx.principal, app.clientId, 'apps:read');
        const filter = parseHistoryFilter(args);
        return ctx.loaders.historyPage.load({
          clientId: app.clientId,
          appId: app.id,
          first: pageSize(args.first),
          after: decodeHistoryCursor(args.after, { clientId: app.clientId, appId: app.id, filter }),
          filter,
        });
      },
    }),
  }),
});

builder.interfaceField(AppHistoryEventRef, 'app', (t) =>
  t.field({
    type: AppRef,
    description: 'The app the event is about, as the client sees it now. Batched across a page. Needs the apps:read scope.',
    extensions: READ,
    resolve: async (event, _args, ctx) => {
      requireClientScope(ctx.principal, event.clientId, 'apps:read');
      const app = await ctx.loaders.clientApp.load({ clientId: event.clientId, appId: event.appId });
      // Apps are never removed from the catalog while history names them (foreign keys).
      if (!app) throw new Error(`history event ${event.id} names a missing app`);
      return app;
    },
  }),
);

export const AppConnection = connectionType<ClientApp, ClientAppsPage>('App', AppRef, 'app');

builder.objectField(AppConnection, 'totalCount', (t) =>
  t.int({
    description: 'How many apps match the filters, across all pages. Counted only when asked for, never by walking the catalog unless a search asks for it: unfiltered and approved: false from per-range counters, the state filters from this client\'s state rows; with a search (and no state filter) it is priced as the search is.',
    resolve: (page) => page.totalCount(),
  }),
);
