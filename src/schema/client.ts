import { authorizeClient, requireClientScope } from '../auth/access';
import { getClientApp, listClientApps } from '../services/apps';
import { NotFoundError } from '../errors';
import { AppConnection, AppRef } from './app';
import { builder } from './builder';
import { pageArgs } from './connections';

interface ClientShape {
  id: string;
  name: string;
}

const ClientRef = builder.objectRef<ClientShape>('Client').implement({
  description: 'A customer organisation: the tenant whose decisions appgov records.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The client id (UUID).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    apps: t.field({
      type: AppConnection,
      description:
        "Every catalog app with this client's state for it (UNRESOLVED until decided), ordered by name (case-insensitive), then id.",
      args: {
        ...pageArgs,
        approved: t.arg.boolean({
          description: 'true: only approved apps; false: only apps that are not approved; absent: all.',
        }),
      },
      resolve: (client, args, ctx) => {
        requireClientScope(ctx.principal, client.id, 'apps:read');
        return listClientApps(ctx.db, { clientId: client.id, first: args.first, after: args.after, approved: args.approved });
      },
    }),
    app: t.field({
      type: AppRef,
      nullable: true,
      description: 'One catalog app as this client sees it; null when the catalog has no app with that id.',
      args: { id: t.arg.id({ required: true, description: 'The app id (UUID).' }) },
      resolve: (client, args, ctx) => {
        requireClientScope(ctx.principal, client.id, 'apps:read');
        try {
          return getClientApp(ctx.db, client.id, args.id);
        } catch (error) {
          if (error instanceof NotFoundError) return null;
          throw error;
        }
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
    resolve: (_root, args, ctx) => {
      const { clientId, clientName } = authorizeClient(ctx.db, ctx.principal, args.id, 'apps:read');
      return { id: clientId, name: clientName };
    },
  }),
);
