import { authorizeOwnedBy, authorizeTarget, authorizeWorkspace, requireClientScope, requireScope } from '../auth/access';
import type { InstallRequestStatus } from '../db/schema';
import { NotFoundError } from '../errors';
import { firstPageInMutation, preflight, preflightFields } from '../limits/preflight';
import type { InstallRequest } from '../services/install-requests';
import { AppRef } from './app';
import { builder } from './builder';
import { ClientRef } from './client';
import { connectionType, pageArgs } from './connections';
import { ClientOrWorkspaceInput } from './decisions';
import { WorkspaceRef } from './workspace';

const InstallRequestStatusEnum = builder.enumType('InstallRequestStatus', {
  description: 'Where an install request stands. Only PENDING can change; the other three are final.',
  values: {
    PENDING: { value: 'pending', description: 'Waiting for a decision.' },
    APPROVED: { value: 'approved', description: 'Approved, by its id or by an approval of its app that covers it.' },
    RESTRICTED: { value: 'restricted', description: 'Restricted, by its id or by a restriction of its app that covers it.' },
    CANCELLED: { value: 'cancelled', description: 'Cancelled with cancelAppInstallRequest.' },
  } as const satisfies Record<string, { value: InstallRequestStatus; description: string }>,
});

export const InstallRequestRef = builder.objectRef<InstallRequest>('InstallRequest').implement({
  extensions: preflightFields({}),
  description: 'Someone in a workspace asked for an app, with the scopes they want and a message.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The request id (UUID): pass it to approveApp / restrictApp / cancelAppInstallRequest.' }),
    workspaceId: t.exposeID('workspaceId', { description: 'The workspace it was made in.' }),
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace it was made in. Batched across a page.',
      resolve: async (r, _args, ctx) => (await ctx.loaders.workspace.load(r.workspaceId))!,
    }),
    app: t.field({
      type: AppRef,
      description: 'The app asked for, as the client sees it at org level. Batched across a page.',
      resolve: async (r, _args, ctx) => (await ctx.loaders.clientApp.load({ clientId: r.clientId, appId: r.appId }))!,
    }),
    scopes: t.exposeStringList('scopes', { description: 'The scopes asked for (a subset of what the app requests then).' }),
    message: t.exposeString('message', { nullable: true, description: "The requester's message; null when none." }),
    requester: t.exposeString('requester', { description: "Who asked: the name given, else the requesting token's name." }),
    status: t.field({ type: InstallRequestStatusEnum, description: 'Where it stands.', resolve: (r) => r.status }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was made.', resolve: (r) => r.createdAt }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it stopped being pending; null while pending.', resolve: (r) => r.resolvedAt }),
    resolvedBy: t.exposeString('resolvedBy', { nullable: true, description: 'The name of the token that resolved or cancelled it; null while pending.' }),
  }),
});

const InstallRequestConnection = connectionType('InstallRequest', InstallRequestRef, 'install request');

const listArgs = builder.args((t) => ({
  ...pageArgs,
  status: t.field({
    type: InstallRequestStatusEnum,
    defaultValue: 'pending',
    description: 'Which requests: PENDING by default. Newest first.',
  }),
}));

builder.objectField(ClientRef, 'installRequests', (t) =>
  t.field({
    type: InstallRequestConnection,
    description: "The client's install requests in every workspace with one status (PENDING by default), newest first. Needs the apps:read scope.",
    args: listArgs,
    resolve: (client, args, ctx) => {
      requireClientScope(ctx.principal, client.id, 'apps:read');
      return ctx.store.listInstallRequests({ clientId: client.id, workspaceId: null, status: args.status ?? 'pending', first: args.first, after: args.after });
    },
  }),
);

builder.queryField('installRequests', (t) =>
  t.field({
    type: InstallRequestConnection,
    description:
      "Install requests with one status (PENDING by default), newest first, of a whole client or of one workspace (what Slack's admin.apps.requests.list returns). Same as Client.installRequests / Workspace.installRequests. Needs the apps:read scope.",
    args: { ...listArgs, at: t.arg({ type: ClientOrWorkspaceInput, required: true, description: 'The client or one workspace (exactly one).' }) },
    resolve: async (_root, args, ctx) => {
      const { clientId, workspaceId } = await authorizeTarget(ctx.store, ctx.principal, args.at, 'apps:read');
      return ctx.store.listInstallRequests({ clientId, workspaceId, status: args.status ?? 'pending', first: args.first, after: args.after });
    },
  }),
);

builder.objectField(WorkspaceRef, 'installRequests', (t) =>
  t.field({
    type: InstallRequestConnection,
    description: "This workspace's install requests with one status (PENDING by default), newest first. Needs the apps:read scope. In a mutation's result only the first page (no `after`), checked before the mutation runs.",
    args: listArgs,
    extensions: preflight({ scope: 'apps:read', args: firstPageInMutation }),
    resolve: (ws, args, ctx) => {
      requireClientScope(ctx.principal, ws.clientId, 'apps:read');
      return ctx.store.listInstallRequests({ clientId: ws.clientId, workspaceId: ws.id, status: args.status ?? 'pending', first: args.first, after: args.after });
    },
  }),
);

builder.mutationField('requestAppInstall', (t) =>
  t.field({
    type: InstallRequestRef,
    description:
      'Ask for an app in a workspace. Needs the apps:request scope (apps:write alone is not enough: requesting and deciding are different roles). ' +
      'Writes a PENDING request and an INSTALL_REQUEST_CREATED event in one transaction. ' +
      'Errors: NOT_FOUND (workspace or app), APP_RESTRICTED_ORG_WIDE (the app is restricted at org level, which no workspace approval can beat: the request is refused and nothing is written; clear or approve the org decision first), INVALID_SCOPES (a scope the app does not request; `extensions.invalidScopes` lists them), BAD_USER_INPUT (malformed id, message over 1000 or requester over 200 characters).',
    args: {
      workspaceId: t.arg.id({ required: true, description: 'The workspace (UUID).' }),
      appId: t.arg.id({ required: true, description: 'The app (UUID).' }),
      scopes: t.arg.stringList({ description: 'The scopes wanted; absent: every scope the app requests.' }),
      message: t.arg.string({ description: 'Why, for the admins: at most 1000 characters.' }),
      requester: t.arg.string({ description: "Who is asking (1 to 200 characters); absent: the token's name." }),
    },
    resolve: async (_root, args, ctx) => {
      const { principal, workspace } = await authorizeWorkspace(ctx.store, ctx.principal, args.workspaceId, 'apps:request');
      return ctx.store.createInstallRequest({
        clientId: workspace.clientId,
        workspaceId: workspace.id,
        appId: args.appId,
        scopes: args.scopes ?? null,
        message: args.message ?? null,
        requester: args.requester ?? null,
        actor: principal,
      });
    },
  }),
);

builder.mutationField('cancelAppInstallRequest', (t) =>
  t.field({
    type: InstallRequestRef,
    description:
      'Cancel a pending install request for good. Needs the apps:write scope. Writes an INSTALL_REQUEST_CANCELLED event. ' +
      'Errors: NOT_FOUND (no such request in the client or workspace named), REQUEST_ALREADY_RESOLVED (it was approved, restricted or cancelled already; nothing is written).',
    args: {
      requestId: t.arg.id({ required: true, description: 'The request (UUID).' }),
      clientId: t.arg.id({ description: 'The client the request belongs to. Give exactly one of clientId and workspaceId.' }),
      workspaceId: t.arg.id({ description: 'The workspace the request was made in.' }),
      reason: t.arg.string({ description: 'Why: at most 500 characters, recorded on the event.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { principal, clientId, workspaceId } = await authorizeTarget(ctx.store, ctx.principal, { clientId: args.clientId, workspaceId: args.workspaceId }, 'apps:write');
      return ctx.store.cancelInstallRequest({ clientId, workspaceId, requestId: args.requestId, reason: args.reason ?? null, actor: principal });
    },
  }),
);

builder.queryField('installRequest', (t) =>
  t.field({
    type: InstallRequestRef,
    nullable: true,
    description: "One install request by id; null when there is none (or it is another client's, for a client token). Needs the apps:read scope.",
    args: { id: t.arg.id({ required: true, description: 'The request id (UUID).' }) },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, 'apps:read');
      const request = await ctx.store.findInstallRequest(args.id.toLowerCase());
      if (!request) return null;
      try {
        await authorizeOwnedBy(ctx.store, ctx.principal, request.clientId, 'apps:read', () => new NotFoundError('Install request not found'));
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        throw error;
      }
      return request;
    },
  }),
);
