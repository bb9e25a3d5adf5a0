import { authorizeClient } from '../auth/access';
import type { ActorKind, HistoryEventType } from '../db/schema';
import { decodeHistoryCursor, parseHistoryFilter, type HistoryEvent } from '../services/history';
import { pageSize } from '../services/pagination';
import { preflightFields } from '../limits/preflight';
import { builder } from './builder';
import { BATCHED } from './time-slice';
import { clientAppArgs, connectionType, pageArgs } from './connections';
import { AppResolutionEnum } from './resolution';

export const ActorKindEnum = builder.enumType('ActorKind', {
  description: 'What kind of credential acted.',
  values: {
    INTERNAL_TOKEN: { value: 'internal', description: 'An internal token, which may act on every client.' },
    CLIENT_TOKEN: { value: 'client', description: 'A client token, bound to one client.' },
    DIRECTORY_TOKEN: {
      value: 'directory',
      description: 'A directory token, bound to one directory: that directory, its businesses and the apps it owns.',
    },
    SYSTEM: {
      value: 'system',
      description: 'appgov itself, not a token: an approval that reached its end (APPROVAL_EXPIRED). Its id is `appgov:approval-expiry`.',
    },
  } as const satisfies Record<string, { value: ActorKind; description: string }>,
});

export const ActorRef = builder.objectRef<HistoryEvent['actor']>('Actor').implement({
  extensions: preflightFields({}),
  description: 'Who made a change: the token behind the call, as it was named when it acted.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the token that acted.' }),
    kind: t.field({ type: ActorKindEnum, description: 'The kind of token, or SYSTEM for appgov itself.', resolve: (a) => a.kind }),
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
    APP_UPDATED: { value: 'APP_UPDATED', description: 'updateApp changed client-side attributes (owner, category, risk).' },
    NOTE_ADDED: { value: 'NOTE_ADDED', description: 'A free-text note was added with addAppHistoryNote.' },
    WORKSPACE_RESOLUTION_CHANGED: {
      value: 'WORKSPACE_RESOLUTION_CHANGED',
      description: "A workspace's own decision on the app changed (approveApp / restrictApp / clearAppResolution or the bulk calls with a workspaceId).",
    },
    WORKSPACE_APPROVAL_VOIDED: {
      value: 'WORKSPACE_APPROVAL_VOIDED',
      description: "An org-level restriction voided a workspace's own approval of the app (one event per workspace).",
    },
    INSTALL_REQUEST_CREATED: { value: 'INSTALL_REQUEST_CREATED', description: 'Someone in a workspace asked for the app (requestAppInstall).' },
    INSTALL_REQUEST_RESOLVED: {
      value: 'INSTALL_REQUEST_RESOLVED',
      description: 'A pending install request was approved or restricted, by its id or by a decision on its app that covers it.',
    },
    INSTALL_REQUEST_CANCELLED: { value: 'INSTALL_REQUEST_CANCELLED', description: 'A pending install request was cancelled (cancelAppInstallRequest).' },
    APPROVAL_LOST_SCOPE_CHANGE: {
      value: 'APPROVAL_LOST_SCOPE_CHANGE',
      description: "The app's requested scopes outgrew the org-level approval: it no longer counts and the app needs re-approval at org level.",
    },
    APPROVAL_EXPIRED: {
      value: 'APPROVAL_EXPIRED',
      description: 'An approval given with an end (expiresAt / expiresIn) reached it and was taken back, by appgov itself (actor kind SYSTEM).',
    },
  } as const satisfies Record<HistoryEventType, { value: HistoryEventType; description: string }>,
});

const TYPE_NAMES: Record<HistoryEventType, string> = {
  APPROVAL_STATUS_CHANGED: 'ApprovalStatusChangedEvent',
  APP_UPDATED: 'AppUpdatedEvent',
  NOTE_ADDED: 'NoteAddedEvent',
  WORKSPACE_RESOLUTION_CHANGED: 'WorkspaceResolutionChangedEvent',
  WORKSPACE_APPROVAL_VOIDED: 'WorkspaceApprovalVoidedEvent',
  INSTALL_REQUEST_CREATED: 'InstallRequestCreatedEvent',
  INSTALL_REQUEST_RESOLVED: 'InstallRequestResolvedEvent',
  INSTALL_REQUEST_CANCELLED: 'InstallRequestCancelledEvent',
  APPROVAL_LOST_SCOPE_CHANGE: 'ApprovalLostEvent',
  APPROVAL_EXPIRED: 'ApprovalExpiredEvent',
};

export const AppHistoryEventRef = builder.interfaceRef<HistoryEvent>('AppHistoryEvent').implement({
  extensions: preflightFields({}),
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

export type EventOf<T extends HistoryEventType> = Extract<HistoryEvent, { type: T }>;

builder.objectRef<EventOf<'APPROVAL_STATUS_CHANGED'>>('ApprovalStatusChangedEvent').implement({
  extensions: preflightFields({}),
  description:
    "The app's approval changed, by approveApps, removeAppApprovals or updateApp. Carries the state before and after, and why.",
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    wasApproved: t.boolean({ description: 'Whether the app was approved before this change.', resolve: (e) => e.data.from === 'approved' }),
    isApproved: t.boolean({ description: 'Whether the app is approved after this change.', resolve: (e) => e.data.to === 'approved' }),
    fromResolution: t.field({ type: AppResolutionEnum, description: 'The resolution before this change.', resolve: (e) => e.data.from }),
    toResolution: t.field({ type: AppResolutionEnum, description: 'The resolution after this change.', resolve: (e) => e.data.to }),
    reason: t.string({
      nullable: true,
      description: 'The `reason` given with the call that made the change; null when none was given.',
      resolve: (e) => e.data.reason ?? null,
    }),
    approvedScopes: t.stringList({
      nullable: true,
      description: 'For an approval: the scopes it covers. Null for other changes and for events written before scopes were recorded.',
      resolve: (e) => e.data.approvedScopes ?? null,
    }),
    installRequestId: t.id({
      nullable: true,
      description: 'The install request the decision was made on (approveApp / restrictApp by requestId); null otherwise.',
      resolve: (e) => e.data.requestId ?? null,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'For an approval given with an end: when it ends. Null for a permanent approval and for other changes.',
      resolve: (e) => (e.data.expiresAt ? new Date(e.data.expiresAt) : null),
    }),
  }),
});

builder.objectRef<EventOf<'APPROVAL_EXPIRED'>>('ApprovalExpiredEvent').implement({
  extensions: preflightFields({}),
  description:
    'An approval given with an end reached it: appgov took it back (the org-level approval became unresolved, or the workspace decision went). Written exactly once per approval, by actor kind SYSTEM; its createdAt is the end (or, when it was written down after another event of the client, that event\'s time, so history stays in commit order). Pending install requests stay as they were.',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    workspaceId: t.id({
      nullable: true,
      description: 'The workspace whose own approval ended; null for the org-level approval.',
      resolve: (e) => e.data.workspaceId,
    }),
    expiredAt: t.field({ type: 'DateTime', description: 'The end the approval was given with: when it lapsed.', resolve: (e) => new Date(e.data.expiredAt) }),
    approvedScopes: t.stringList({ nullable: true, description: 'The scopes the approval that ended covered.', resolve: (e) => e.data.approvedScopes }),
    approvedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the approval that ended was given.',
      resolve: (e) => (e.data.approvedAt ? new Date(e.data.approvedAt) : null),
    }),
    approvedById: t.id({ nullable: true, description: 'The token that gave the approval that ended.', resolve: (e) => e.data.approvedBy }),
  }),
});

const AppFieldChangeRef = builder
  .objectRef<EventOf<'APP_UPDATED'>['data']['changes'][number]>('AppFieldChange')
  .implement({
    extensions: preflightFields({}),
    description: 'One attribute changed by updateApp.',
    fields: (t) => ({
      field: t.exposeString('field', { description: 'The App field: ownerEmail, category or riskLevel.' }),
      from: t.exposeString('from', { nullable: true, description: 'The value before; null when it was unset.' }),
      to: t.exposeString('to', { nullable: true, description: 'The value after; null when it was cleared.' }),
    }),
  });

builder.objectRef<EventOf<'APP_UPDATED'>>('AppUpdatedEvent').implement({
  extensions: preflightFields({}),
  description: 'updateApp changed client-side attributes of the app. One event per call, listing every changed field.',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    changes: t.field({ type: [AppFieldChangeRef], description: 'Each changed field, with its value before and after.', resolve: (e) => e.data.changes }),
    reason: t.string({
      nullable: true,
      description: 'The `reason` given with the update; null when none was given.',
      resolve: (e) => e.data.reason ?? null,
    }),
  }),
});

export const NoteAddedEventRef = builder.objectRef<EventOf<'NOTE_ADDED'>>('NoteAddedEvent').implement({
  extensions: preflightFields({}),
  description: 'A free-text note, added with addAppHistoryNote. Notes never change the app.',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    note: t.string({ description: 'The note, trimmed.', resolve: (e) => e.data.note }),
  }),
});

export const AppHistoryEventConnection = connectionType('AppHistoryEvent', AppHistoryEventRef, 'history event');

/** Paging plus the filters every history listing takes. */
export const historyArgs = builder.args((t) => ({
  ...pageArgs,
  types: t.field({
    type: [AppHistoryEventTypeEnum],
    description: 'Only events of these types; absent for all. An empty list is refused.',
  }),
  since: t.field({ type: 'DateTime', description: 'Only events at or after this instant (inclusive).' }),
  until: t.field({
    type: 'DateTime',
    description: 'Only events before this instant (exclusive). BAD_USER_INPUT when `since` is after it.',
  }),
}));

builder.queryField('appHistory', (t) =>
  t.field({
    type: AppHistoryEventConnection,
    description:
      "One app's history for one client, newest first, optionally filtered. Needs the apps:read scope. Errors: NOT_FOUND for an unknown client or app, FORBIDDEN for another client's token, BAD_USER_INPUT for a malformed id, cursor, `first` or filter.",
    args: {
      ...clientAppArgs,
      ...historyArgs,
    },
    extensions: BATCHED,
    resolve: async (_root, args, ctx) => {
      const { clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'apps:read');
      const first = pageSize(args.first);
      const filter = parseHistoryFilter(args);
      const app = await ctx.store.getClientApp(clientId, args.appId);
      const after = decodeHistoryCursor(args.after, { clientId, appId: app.id, filter });
      return ctx.loaders.historyPage.load({ clientId, appId: app.id, first, after, filter });
    },
  }),
);
