import { authorizeWorkspace, requireClientScope } from '../auth/access';
import { firstPageInMutation, preflight, preflightFields } from '../limits/preflight';
import type { Workspace, WorkspaceApp } from '../services/workspaces';
import { AppRef } from './app';
import { builder } from './builder';
import { ClientRef } from './client';
import { connectionType, pageArgs } from './connections';
import { AppResolutionEnum } from './resolution';

export const WorkspaceRef = builder.objectRef<Workspace>('Workspace');

const ResolutionSourceEnum = builder.enumType('ResolutionSource', {
  description: "Which level decided an app's effective resolution in a workspace.",
  values: {
    ORG: { value: 'org', description: 'The org (client) level: an org restriction (which beats everything) or an org approval with no workspace decision.' },
    WORKSPACE: { value: 'workspace', description: "The workspace's own decision." },
    NONE: { value: 'none', description: 'No decision at either level: UNRESOLVED.' },
  } as const,
});

const WorkspaceAppRef = builder.objectRef<WorkspaceApp>('WorkspaceApp').implement({
  extensions: preflightFields({}),
  description:
    "One app's standing in one workspace. Precedence (Slack's): an org-level restriction beats everything; else the workspace's own decision; else the org-level approval (the default for every workspace); else UNRESOLVED.",
  fields: (t) => ({
    app: t.field({
      type: AppRef,
      description: 'The app, as the client sees it at org level. Batched across a page.',
      resolve: async (w, _args, ctx) => (await ctx.loaders.clientApp.load({ clientId: w.clientId, appId: w.appId }))!,
    }),
    resolution: t.field({ type: AppResolutionEnum, description: 'The effective resolution in this workspace.', resolve: (w) => w.resolution }),
    source: t.field({ type: ResolutionSourceEnum, description: 'Which level the effective resolution comes from.', resolve: (w) => w.source }),
    orgResolution: t.field({
      type: AppResolutionEnum,
      description: 'The org-level resolution (an org approval lost to a scope change is UNRESOLVED).',
      resolve: (w) => w.orgResolution,
    }),
    workspaceResolution: t.field({
      type: AppResolutionEnum,
      nullable: true,
      description: "The workspace's own decision (APPROVED or RESTRICTED); null when it has none.",
      resolve: (w) => w.workspaceResolution,
    }),
    approvedScopes: t.stringList({
      nullable: true,
      description: 'The scopes the deciding approval covers; null unless the effective resolution is APPROVED.',
      resolve: (w) => w.approvedScopes,
    }),
    approvalExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the deciding approval ends; null when it does not, or the effective resolution is not APPROVED.',
      resolve: (w) => w.approvalExpiresAt,
    }),
  }),
});

const WorkspaceAppConnection = connectionType('WorkspaceApp', WorkspaceAppRef, 'workspace app');
const WorkspaceConnection = connectionType('Workspace', WorkspaceRef, 'workspace');

/** A workspace's lists need apps:read, in a mutation's result too, where they take their first page only. */
const WORKSPACE_LIST = preflight({ scope: 'apps:read', args: firstPageInMutation });

WorkspaceRef.implement({
  extensions: preflightFields({}),
  description: "A part of a client (Slack's team; the client is Slack's enterprise). Decisions can be made for the whole client or for one workspace.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The workspace id (UUID).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    clientId: t.exposeID('clientId', { description: 'The client the workspace belongs to.' }),
    apps: t.field({
      type: WorkspaceAppConnection,
      description: 'Every catalog app the workspace\'s client may see (public apps and its own directory\'s private apps, as Client.apps) with its effective resolution in this workspace and where it comes from, by name. Needs the apps:read scope. In a mutation\'s result only the first page (no `after`), checked before the mutation runs.',
      args: pageArgs,
      extensions: WORKSPACE_LIST,
      resolve: (workspace, args, ctx) => {
        requireClientScope(ctx.principal, workspace.clientId, 'apps:read');
        return ctx.store.listWorkspaceApps({ workspace, first: args.first, after: args.after });
      },
    }),
  }),
});

builder.objectField(ClientRef, 'workspaces', (t) =>
  t.field({
    type: WorkspaceConnection,
    description: "The client's workspaces, by name (case-insensitive). Needs the apps:read scope.",
    args: pageArgs,
    resolve: (client, args, ctx) => {
      requireClientScope(ctx.principal, client.id, 'apps:read');
      return ctx.store.listWorkspaces({ clientId: client.id, first: args.first, after: args.after });
    },
  }),
);

builder.queryField('workspace', (t) =>
  t.field({
    type: WorkspaceRef,
    nullable: true,
    description:
      "One workspace. Needs the apps:read scope. Errors (with `workspace: null`): NOT_FOUND for an unknown workspace or another client's (a client token learns nothing about other clients), BAD_USER_INPUT for an id that is not a UUID.",
    args: { id: t.arg.id({ required: true, description: 'The workspace id (UUID).' }) },
    resolve: async (_root, args, ctx) => (await authorizeWorkspace(ctx.store, ctx.principal, args.id, 'apps:read')).workspace,
  }),
);

builder.objectFields(AppRef, (t) => ({
  scopes: t.stringList({ description: 'The scopes the app requests (the catalog entry). A change can cost org-level approvals: see needsReapproval.', resolve: (a) => a.scopes }),
  approvedScopes: t.stringList({
    nullable: true,
    description: "The scopes this client's org-level approval covers; null while the app is not approved at org level.",
    resolve: (a) => a.approvedScopes,
  }),
  needsReapproval: t.boolean({
    description:
      "True when the app's requested scopes outgrew this client's org-level approval: the approval no longer counts (resolution UNRESOLVED, not in approved lists) until the app is approved, restricted or cleared at org level again.",
    resolve: (a) => a.needsReapproval,
  }),
}));
