import { authorizeClient, requireClientScope } from '../auth/access';
import { NotFoundError } from '../errors';
import { parseHistoryFilter } from '../services/history';
import { AppConnection, AppRef, RiskLevelEnum } from './app';
import { builder } from './builder';
import { pageArgs } from './connections';
import { AppHistoryEventConnection, historyArgs } from './history';

export interface ClientShape {
  id: string;
  name: string;
  /** Where the client row was just read: its directory (null for a direct customer), so listings need not look it up. */
  directoryId?: string | null;
}

const AppOrderFieldEnum = builder.enumType('AppOrderField', {
  description: 'What Client.apps is ordered by. Ties are broken by app id, so paging is stable.',
  values: {
    NAME: { value: 'NAME', description: 'The app name, case-insensitive.' },
    UPDATED_AT: { value: 'UPDATED_AT', description: "When this client's state last changed; never-changed apps count as oldest." },
  } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Ascending or descending.',
  values: {
    ASC: { value: 'ASC', description: 'Smallest (A, oldest) first.' },
    DESC: { value: 'DESC', description: 'Largest (Z, newest) first.' },
  } as const,
});

const AppOrderInput = builder.inputType('AppOrder', {
  description: 'The order of Client.apps. A cursor only continues the order it came from.',
  fields: (t) => ({
    field: t.field({ type: AppOrderFieldEnum, defaultValue: 'NAME', description: 'What to order by; default NAME.' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC', description: 'Which way; default ASC.' }),
  }),
});

export const ClientRef = builder.objectRef<ClientShape>('Client').implement({
  description: 'A customer organisation: the tenant whose decisions appgov records.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The client id (UUID).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    apps: t.field({
      type: AppConnection,
      description:
        "Every catalog app this client may see, with this client's state for it (UNRESOLVED until decided), filtered and ordered (default: by name). Filters combine with AND. Needs the apps:read scope. " +
        "A client sees public apps (no owner directory) and the private apps of its own directory (a business's directory; a direct customer has none): another directory's private app is never listed, and to this client every call on it answers exactly as for an unknown app (NOT_FOUND, null, or APP_NOT_FOUND in `failed`).",
      args: {
        ...pageArgs,
        approved: t.arg.boolean({ description: 'true: only approved apps; false: only apps that are not approved; absent: all.' }),
        search: t.arg.string({ description: 'Case-insensitive substring of the name or the code name (at most 200 characters). Without a state filter (approved: true, riskLevel, category) a search reads every app this client may see: it is priced at that many rows for its page and again for its totalCount, against a budget every field of the request shares (APPGOV_MAX_SCAN_ROWS, default 200000); a field that does not fit is refused with BAD_USER_INPUT, `extensions.limit` "scan", before it runs. The rows a request\'s searches read are charged to its token\'s rate budget once it ran (one unit per 50 rows), so the token\'s next requests wait them out. With a state filter it reads only this client\'s own state rows, unpriced.' }),
        riskLevel: t.arg({ type: RiskLevelEnum, description: 'Only apps this client rated at this risk level.' }),
        category: t.arg.string({ description: 'Only apps in this category (exact, case-insensitive).' }),
        orderBy: t.arg({ type: AppOrderInput, description: 'The order; default NAME ASC.' }),
        expiringBefore: t.arg({
          type: 'DateTime',
          description:
            'Only apps whose org-level approval ends before this instant (and has not ended yet): the "expiring soon" view. A state filter, like approved: true; combines with the others.',
        }),
      },
      resolve: (client, args, ctx) => {
        requireClientScope(ctx.principal, client.id, 'apps:read');
        return ctx.store.listClientApps({ clientId: client.id, directoryId: client.directoryId, ...args }, ctx.catalogScan);
      },
    }),
    app: t.field({
      type: AppRef,
      nullable: true,
      description: 'One catalog app as this client sees it; null when the catalog has no app with that id, or it is a private app of a directory other than this client\'s (the same answer).',
      args: { id: t.arg.id({ required: true, description: 'The app id (UUID).' }) },
      resolve: async (client, args, ctx) => {
        requireClientScope(ctx.principal, client.id, 'apps:read');
        try {
          return await ctx.store.getClientApp(client.id, args.id, 'id');
        } catch (error) {
          if (error instanceof NotFoundError) return null;
          throw error;
        }
      },
    }),
    history: t.field({
      type: AppHistoryEventConnection,
      description:
        'The audit view: every event of every app of this client, newest first, with the same filters as appHistory. Each event exposes its `app`. Needs the apps:read scope.',
      args: historyArgs,
      resolve: (client, args, ctx) => {
        requireClientScope(ctx.principal, client.id, 'apps:read');
        return ctx.store.clientHistoryPage({ clientId: client.id, first: args.first, after: args.after, filter: parseHistoryFilter(args) });
      },
    }),
  }),
});

builder.queryField('client', (t) =>
  t.field({
    type: ClientRef,
    nullable: true,
    description:
      'One client. Needs the apps:read scope. Errors (with `client: null`): NOT_FOUND for an unknown client, FORBIDDEN for a client token of another client, BAD_USER_INPUT for an id that is not a UUID.',
    args: { id: t.arg.id({ required: true, description: 'The client id (UUID).' }) },
    resolve: async (_root, args, ctx) => {
      const { clientId, clientName, directoryId } = await authorizeClient(ctx.store, ctx.principal, args.id, 'apps:read', 'id');
      return { id: clientId, name: clientName, directoryId };
    },
  }),
);
