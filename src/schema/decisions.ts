import { parseApprovalExpiry } from '../services/approval-expiry';
import { authorizeTarget, requireClientScope } from '../auth/access';
import type { Context } from '../context';
import type { AppDecision, AppDecisionOutcome } from '../services/app-decisions';
import { firstPageInMutation, preflight, preflightFields } from '../limits/preflight';
import { AppRef } from './app';
import { builder } from './builder';
import { ClientRef } from './client';
import { connectionType, pageArgs } from './connections';
import { WorkspaceRef } from './workspace';

const AppOrRequestInput = builder.inputType('AppOrInstallRequest', {
  isOneOf: true,
  description: 'Exactly one of: the app, or an install request (which names its app and, by default, the scopes).',
  fields: (t) => ({
    appId: t.id({ description: 'The app (UUID). NOT_FOUND (`extensions.field` "appId") when the catalog has no such app.' }),
    requestId: t.id({
      description:
        'An install request (UUID). It must belong to the target (the client, or that very workspace), else NOT_FOUND (`extensions.field` "requestId").',
    }),
  }),
});

export const ClientOrWorkspaceInput = builder.inputType('ClientOrWorkspace', {
  isOneOf: true,
  description: 'Exactly one of: the client (an org-level decision) or one of its workspaces (a workspace-level decision).',
  fields: (t) => ({
    clientId: t.id({ description: 'The client (UUID): decide org-wide. NOT_FOUND when unknown.' }),
    workspaceId: t.id({ description: 'A workspace (UUID): decide for it alone. NOT_FOUND (`extensions.field` "workspaceId") when unknown.' }),
  }),
});

const DecisionActionEnum = builder.enumType('AppDecisionAction', {
  description: 'What a single-app decision did.',
  values: {
    APPROVE: { value: 'approve', description: 'approveApp.' },
    RESTRICT: { value: 'restrict', description: 'restrictApp.' },
    CLEAR: { value: 'clear', description: 'clearAppResolution.' },
  } as const,
});

const AppDecisionPayloadRef = builder.objectRef<AppDecisionOutcome>('AppDecisionPayload').implement({
  extensions: preflightFields({}),
  description: 'The outcome of approveApp, restrictApp or clearAppResolution.',
  fields: (t) => ({
    action: t.field({ type: DecisionActionEnum, description: 'What was asked.', resolve: (o) => o.action as 'approve' }),
    app: t.field({
      type: AppRef,
      description: 'The app, as the client sees it at org level after the call.',
      resolve: async (o, _args, ctx) => (await ctx.loaders.clientApp.load({ clientId: o.clientId, appId: o.appId }))!,
    }),
    workspaceId: t.id({ nullable: true, description: 'The workspace decided for; null for an org-level decision.', resolve: (o) => o.workspaceId }),
    changed: t.boolean({ description: 'False when the call changed nothing (idempotent: no event was written).', resolve: (o) => o.changed }),
    resolvedRequestIds: t.idList({ description: 'The pending install requests this call resolved.', resolve: (o) => o.resolvedRequestIds }),
  }),
});

const decisionArgs = builder.args((t) => ({
  app: t.field({ type: AppOrRequestInput, required: true, description: 'The app, or an install request for it (exactly one).' }),
  at: t.field({ type: ClientOrWorkspaceInput, required: true, description: 'The client or one workspace (exactly one).' }),
  reason: t.string({ description: 'Why: at most 500 characters, recorded on every event the call writes.' }),
}));

const common =
  'Needs the apps:write scope. One transaction; idempotent (a repeat writes nothing and returns changed: false). ' +
  'Org-level changes write APPROVAL_STATUS_CHANGED, workspace-level ones WORKSPACE_RESOLUTION_CHANGED, naming the actor and the reason. ' +
  'Errors (nothing written): NOT_FOUND for an unknown client, workspace, app or request (`extensions.field` says which), FORBIDDEN for another client, BAD_USER_INPUT for a malformed id';

builder.mutationField('approveApp', (t) =>
  t.field({
    type: AppDecisionPayloadRef,
    description:
      `Approve one app, org-wide or for one workspace (Slack's admin.apps.approve). An org-level approval is the default for every workspace, and a workspace can still restrict it. It records the scopes it covers; it stops counting when the app's scopes outgrow them (App.needsReapproval). Resolves the pending requests it covers: org level, the app's pending requests in every workspace; workspace level, those in that workspace; by request id, that request too. ${common}; ` +
      'REQUEST_ALREADY_RESOLVED when the request is not pending; INVALID_SCOPES when `scopes` names one the app does not request (`extensions.invalidScopes`); APP_RESTRICTED_ORG_WIDE for a workspace-level approval of an app restricted at org level.',
    args: {
      ...decisionArgs,
      scopes: t.arg.stringList({ description: "The scopes to approve: a subset of the app's. Absent: the request's scopes when deciding a request, else all the app requests now." }),
      expiresAt: t.arg({
        type: 'DateTime',
        description:
          'When this approval ends: from that instant the app reads as not approved at this level, and an APPROVAL_EXPIRED event (actor kind SYSTEM) is written with that time. Approving again with another end, or none (permanent), replaces it. BAD_USER_INPUT when not in the future, more than 366 days ahead, or given with expiresIn.',
      }),
      expiresIn: t.arg.string({ description: 'The end as a duration from now: a whole number and a unit, m, h, d or w (`30d`, `12h`). The same rules as expiresAt.' }),
    },
    resolve: (_root, args, ctx) => run(ctx, args, 'approve', args.scopes ?? null, args),
  }),
);

builder.mutationField('restrictApp', (t) =>
  t.field({
    type: AppDecisionPayloadRef,
    description:
      `Restrict one app, org-wide or for one workspace (Slack's admin.apps.restrict). An org-level restriction beats everything: it voids every workspace-level approval of the app (WORKSPACE_APPROVAL_VOIDED per workspace) and refuses new ones. A workspace restriction applies under an org approval. Resolves the pending requests it covers, as approveApp does. ${common}; REQUEST_ALREADY_RESOLVED when the request is not pending.`,
    args: decisionArgs,
    resolve: (_root, args, ctx) => run(ctx, args, 'restrict', null),
  }),
);

builder.mutationField('clearAppResolution', (t) =>
  t.field({
    type: AppDecisionPayloadRef,
    description:
      `Clear one app's resolution at one level (Slack's admin.apps.clearResolution): org level clears only the org-level resolution (and needsReapproval), never the workspaces' own decisions; workspace level removes that workspace's decision, so it follows the org level again. By request id, clears the request's app and leaves the request as it is. Resolves no request. ${common}.`,
    args: decisionArgs,
    resolve: (_root, args, ctx) => run(ctx, args, 'clear', null),
  }),
);

async function run(
  ctx: Context,
  args: { app: { appId?: string | null; requestId?: string | null }; at: { clientId?: string | null; workspaceId?: string | null }; reason?: string | null },
  action: 'approve' | 'restrict' | 'clear',
  scopes: string[] | null,
  ends: { expiresAt?: Date | null; expiresIn?: string | null } = {},
): Promise<AppDecisionOutcome> {
  const { principal, clientId, workspaceId } = await authorizeTarget(ctx.store, ctx.principal, args.at, 'apps:write');
  const expiresAt = parseApprovalExpiry(ends, new Date());
  return ctx.store.decideApp({
    clientId,
    workspaceId,
    subject: args.app,
    action,
    scopes,
    reason: args.reason ?? null,
    actor: principal,
    ...(expiresAt ? { expiresAt } : {}),
  });
}

const DecisionResolutionEnum = builder.enumType('DecisionResolution', {
  description: 'Which decisions a listing returns.',
  values: {
    APPROVED: { value: 'approved', description: 'Approvals (an org approval lost to a scope change is not one).' },
    RESTRICTED: { value: 'restricted', description: 'Restrictions.' },
  } as const,
});

const AppDecisionRef = builder.objectRef<AppDecision>('AppDecision').implement({
  extensions: preflightFields({}),
  description: 'One decision at one level: an org-level one (workspaceId null) or a workspace\'s own.',
  fields: (t) => ({
    app: t.field({
      type: AppRef,
      description: 'The app, as the client sees it at org level. Batched across a page.',
      resolve: async (d, _args, ctx) => (await ctx.loaders.clientApp.load({ clientId: d.clientId, appId: d.appId }))!,
    }),
    workspaceId: t.id({ nullable: true, description: 'The workspace; null for an org-level decision.', resolve: (d) => d.workspaceId }),
    resolution: t.field({ type: DecisionResolutionEnum, description: 'APPROVED or RESTRICTED.', resolve: (d) => d.resolution }),
    approvedScopes: t.stringList({ nullable: true, description: 'For an approval, the scopes it covers; null for a restriction.', resolve: (d) => d.approvedScopes }),
    approvalExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When an approval ends; null for a permanent one and for a restriction. A lapsed approval is not listed.',
      resolve: (d) => d.approvalExpiresAt,
    }),
    decidedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the decision was made.', resolve: (d) => d.decidedAt }),
    decidedById: t.id({ nullable: true, description: 'The id of the token that made it.', resolve: (d) => d.decidedBy.id }),
  }),
});

const AppDecisionConnection = connectionType('AppDecision', AppDecisionRef, 'decision');

const listArgs = builder.args((t) => ({
  ...pageArgs,
  resolution: t.field({ type: DecisionResolutionEnum, required: true, description: 'APPROVED or RESTRICTED.' }),
}));

builder.queryField('appDecisions', (t) =>
  t.field({
    type: AppDecisionConnection,
    description:
      "The approvals or restrictions at one level: the client's org-level ones (in the order this client first changed each app), or one workspace's own (by app id); what Slack's admin.apps.approved.list / restricted.list return. Same as Client.appDecisions / Workspace.appDecisions. Needs the apps:read scope.",
    args: { ...listArgs, at: t.arg({ type: ClientOrWorkspaceInput, required: true, description: 'The client or one workspace (exactly one).' }) },
    resolve: async (_root, args, ctx) => {
      const { clientId, workspaceId } = await authorizeTarget(ctx.store, ctx.principal, args.at, 'apps:read');
      return ctx.store.listAppDecisions({ clientId, workspaceId, resolution: args.resolution, first: args.first, after: args.after });
    },
  }),
);

builder.objectField(ClientRef, 'appDecisions', (t) =>
  t.field({
    type: AppDecisionConnection,
    description: 'The org-level approvals or restrictions of this client, in the order this client first changed each app (a stable order). Workspace decisions are on Workspace.appDecisions. Needs the apps:read scope.',
    args: listArgs,
    resolve: (client, args, ctx) => {
      requireClientScope(ctx.principal, client.id, 'apps:read');
      return ctx.store.listAppDecisions({ clientId: client.id, workspaceId: null, resolution: args.resolution, first: args.first, after: args.after });
    },
  }),
);

builder.objectField(WorkspaceRef, 'appDecisions', (t) =>
  t.field({
    type: AppDecisionConnection,
    description: "This workspace's own approvals or restrictions, by app id (not the org-level defaults: see Workspace.apps for effective resolutions). Needs the apps:read scope. In a mutation's result only the first page (no `after`), checked before the mutation runs.",
    args: listArgs,
    extensions: preflight({ scope: 'apps:read', args: firstPageInMutation }),
    resolve: (ws, args, ctx) => {
      requireClientScope(ctx.principal, ws.clientId, 'apps:read');
      return ctx.store.listAppDecisions({ clientId: ws.clientId, workspaceId: ws.id, resolution: args.resolution, first: args.first, after: args.after });
    },
  }),
);
