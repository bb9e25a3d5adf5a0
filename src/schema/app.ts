import { requireClientScope } from '../auth/access';
import type { ClientApp } from '../services/apps';
import { decodeHistoryCursor } from '../services/history';
import { pageSize } from '../services/pagination';
import { builder } from './builder';
import { connectionType, pageArgs } from './connections';
import { AppHistoryEventConnection } from './history';
import { AppResolutionEnum } from './resolution';

export const AppRef = builder.objectRef<ClientApp>('App').implement({
  description: "A catalog app as one client sees it: the catalog entry plus that client's decision on it.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The app id (UUID).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    codeName: t.exposeString('codeName', { description: 'Unique, stable code name (a-z, 0-9, "-", "_").' }),
    resolution: t.field({
      type: AppResolutionEnum,
      description: "This client's resolution for the app; UNRESOLVED until decided.",
      resolve: (app) => app.resolution,
    }),
    isApproved: t.boolean({
      description: 'True exactly when `resolution` is APPROVED.',
      resolve: (app) => app.resolution === 'approved',
    }),
    approvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the app was approved for this client; null while it is not approved.',
      resolve: (app) => (app.resolution === 'approved' ? app.decidedAt : null),
    }),
    history: t.field({
      type: AppHistoryEventConnection,
      description:
        "This app's history for this client, newest first. Needs the apps:read scope. Batched: every app of a page is fetched in one query.",
      args: pageArgs,
      resolve: (app, args, ctx) => {
        requireClientScope(ctx.principal, app.clientId, 'apps:read');
        return ctx.loaders.historyPage.load({
          clientId: app.clientId,
          appId: app.id,
          first: pageSize(args.first),
          beforeSeq: decodeHistoryCursor(args.after),
        });
      },
    }),
  }),
});

export const AppConnection = connectionType('App', AppRef, 'app');
