import { authorizeClient } from '../auth/access';
import type { HistoryEventType, TokenKind } from '../db/schema';
import { getClientApp } from '../services/apps';
import { decodeHistoryCursor, type ApprovalStatusChangedData, type HistoryEvent } from '../services/history';
import { pageSize } from '../services/pagination';
import { builder } from './builder';
import { connectionType, pageArgs } from './connections';
import { AppResolutionEnum } from './resolution';

const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'What kind of credential acted.',
  values: {
    INTERNAL_TOKEN: { value: 'internal', description: 'An internal token, which may act on every client.' },
    CLIENT_TOKEN: { value: 'client', description: 'A client token, bound to one client.' },
  } as const satisfies Record<string, { value: TokenKind; description: string }>,
});

const ActorRef = builder.objectRef<HistoryEvent['actor']>('Actor').implement({
  description: 'Who made a change: the token behind the call, as it was named when it acted.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the token that acted.' }),
    kind: t.field({ type: ActorKindEnum, description: 'The kind of token.', resolve: (a) => a.kind }),
    name: t.exposeString('name', { description: "The token's name at the time of the event." }),
  }),
});

export const AppHistoryEventTypeEnum = builder.enumType('AppHistoryEventType', {
  description: 'The kinds of app history event.',
  values: {
    APPROVAL_STATUS_CHANGED: {
      value: 'APPROVAL_STATUS_CHANGED',
      description: "The app's approval changed (written only when it really changed).",
    },
  } as const satisfies Record<HistoryEventType, { value: HistoryEventType; description: string }>,
});

const TYPE_NAMES: Record<HistoryEventType, string> = {
  APPROVAL_STATUS_CHANGED: 'ApprovalStatusChangedEvent',
};

export const AppHistoryEventRef = builder.interfaceRef<HistoryEvent>('AppHistoryEvent').implement({
  description:
    "One entry of an app's history for one client. History is append-only: events are never updated or deleted, and a repeated idempotent call writes none.",
  resolveType: (event) => TYPE_NAMES[event.type],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Unique id of the event.' }),
    type: t.field({ type: AppHistoryEventTypeEnum, description: 'What happened.', resolve: (e) => e.type }),
    appId: t.exposeID('appId', { description: 'The app the event is about.' }),
    clientId: t.exposeID('clientId', { description: 'The client whose decision it records.' }),
    actor: t.field({ type: ActorRef, description: 'Who made the change.', resolve: (e) => e.actor }),
    createdAt: t.field({ type: 'DateTime', description: 'When it happened.', resolve: (e) => e.createdAt }),
  }),
});

builder.objectRef<HistoryEvent>('ApprovalStatusChangedEvent').implement({
  description: "The app's approval changed, by approveApps or removeAppApprovals. Carries the state before and after.",
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    wasApproved: t.boolean({
      description: 'Whether the app was approved before this change.',
      resolve: (e) => (e.data as unknown as ApprovalStatusChangedData).from === 'approved',
    }),
    isApproved: t.boolean({
      description: 'Whether the app is approved after this change.',
      resolve: (e) => (e.data as unknown as ApprovalStatusChangedData).to === 'approved',
    }),
    fromResolution: t.field({
      type: AppResolutionEnum,
      description: 'The resolution before this change.',
      resolve: (e) => (e.data as unknown as ApprovalStatusChangedData).from,
    }),
    toResolution: t.field({
      type: AppResolutionEnum,
      description: 'The resolution after this change.',
      resolve: (e) => (e.data as unknown as ApprovalStatusChangedData).to,
    }),
  }),
});

export const AppHistoryEventConnection = connectionType('AppHistoryEvent', AppHistoryEventRef, 'history event');

builder.queryField('appHistory', (t) =>
  t.field({
    type: AppHistoryEventConnection,
    description:
      "One app's history for one client, newest first. Needs the apps:read scope. Errors: NOT_FOUND for an unknown client or app, FORBIDDEN for another client's token, BAD_USER_INPUT for a malformed id, cursor or `first`.",
    args: {
      clientId: t.arg.id({ required: true, description: 'The client (UUID).' }),
      appId: t.arg.id({ required: true, description: 'The app (UUID).' }),
      ...pageArgs,
    },
    resolve: (_root, args, ctx) => {
      const { clientId } = authorizeClient(ctx.db, ctx.principal, args.clientId, 'apps:read');
      const first = pageSize(args.first);
      const beforeSeq = decodeHistoryCursor(args.after);
      const app = getClientApp(ctx.db, clientId, args.appId);
      return ctx.loaders.historyPage.load({ clientId, appId: app.id, first, beforeSeq });
    },
  }),
);
