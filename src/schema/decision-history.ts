import { preflightFields } from '../limits/preflight';
import { builder } from './builder';
import { AppHistoryEventRef, type EventOf } from './history';
import { AppResolutionEnum } from './resolution';

/** The workspace model's typed history events: workspace decisions, voided approvals, install requests, lost approvals. */


builder.objectRef<EventOf<'WORKSPACE_RESOLUTION_CHANGED'>>('WorkspaceResolutionChangedEvent').implement({
  extensions: preflightFields({}),
  description:
    "A workspace's own decision changed: approveApp / restrictApp / clearAppResolution with a workspace, or a bulk call with a workspaceId. UNRESOLVED means the workspace has no decision of its own (it follows the org level).",
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    workspaceId: t.id({ description: 'The workspace.', resolve: (e) => e.data.workspaceId }),
    fromResolution: t.field({ type: AppResolutionEnum, description: "The workspace's own decision before.", resolve: (e) => e.data.from }),
    toResolution: t.field({ type: AppResolutionEnum, description: "The workspace's own decision after.", resolve: (e) => e.data.to }),
    approvedScopes: t.stringList({ nullable: true, description: 'For an approval: the scopes it covers; else null.', resolve: (e) => e.data.approvedScopes }),
    installRequestId: t.id({ nullable: true, description: 'The install request the decision was made on; null when made by app id.', resolve: (e) => e.data.requestId }),
    reason: t.string({ nullable: true, description: 'The `reason` given with the call; null when none.', resolve: (e) => e.data.reason }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'For an approval given with an end: when it ends. Null for a permanent approval and for other changes.',
      resolve: (e) => (e.data.expiresAt ? new Date(e.data.expiresAt) : null),
    }),
  }),
});

builder.objectRef<EventOf<'WORKSPACE_APPROVAL_VOIDED'>>('WorkspaceApprovalVoidedEvent').implement({
  extensions: preflightFields({}),
  description: "An org-level restriction voided this workspace's own approval of the app (Slack's precedence). Written in the same transaction as the restriction.",
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    workspaceId: t.id({ description: 'The workspace whose approval was voided.', resolve: (e) => e.data.workspaceId }),
    reason: t.string({ nullable: true, description: "The restricting call's `reason`; null when none.", resolve: (e) => e.data.reason }),
  }),
});

builder.objectRef<EventOf<'INSTALL_REQUEST_CREATED'>>('InstallRequestCreatedEvent').implement({
  extensions: preflightFields({}),
  description: 'Someone in a workspace asked for the app (requestAppInstall).',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    installRequestId: t.id({ description: 'The new request.', resolve: (e) => e.data.requestId }),
    workspaceId: t.id({ description: 'The workspace it was made in.', resolve: (e) => e.data.workspaceId }),
    scopes: t.stringList({ description: 'The scopes asked for.', resolve: (e) => e.data.scopes }),
    message: t.string({ nullable: true, description: "The requester's message; null when none.", resolve: (e) => e.data.message }),
    requester: t.string({ description: 'Who asked.', resolve: (e) => e.data.requester }),
  }),
});

const RequestOutcomeEnum = builder.enumType('InstallRequestOutcome', {
  description: 'How a pending install request was resolved by a decision.',
  values: {
    APPROVED: { value: 'approved', description: 'Approved (by its id, or by an approval of its app that covers it).' },
    RESTRICTED: { value: 'restricted', description: 'Restricted (by its id, or by a restriction of its app that covers it).' },
  } as const,
});

builder.objectRef<EventOf<'INSTALL_REQUEST_RESOLVED'>>('InstallRequestResolvedEvent').implement({
  extensions: preflightFields({}),
  description: 'A pending install request was resolved for good by a decision. The decision itself has its own event.',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    installRequestId: t.id({ description: 'The request.', resolve: (e) => e.data.requestId }),
    workspaceId: t.id({ description: 'The workspace the request was made in.', resolve: (e) => e.data.workspaceId }),
    outcome: t.field({ type: RequestOutcomeEnum, description: 'Approved or restricted.', resolve: (e) => e.data.status }),
    decidedInWorkspaceId: t.id({
      nullable: true,
      description: 'Where the deciding call acted: null for an org-level decision, else the workspace.',
      resolve: (e) => e.data.decidedInWorkspaceId,
    }),
    reason: t.string({ nullable: true, description: "The deciding call's `reason`; null when none.", resolve: (e) => e.data.reason }),
  }),
});

builder.objectRef<EventOf<'INSTALL_REQUEST_CANCELLED'>>('InstallRequestCancelledEvent').implement({
  extensions: preflightFields({}),
  description: 'A pending install request was cancelled (cancelAppInstallRequest). It can no longer be approved or restricted.',
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    installRequestId: t.id({ description: 'The request.', resolve: (e) => e.data.requestId }),
    workspaceId: t.id({ description: 'The workspace the request was made in.', resolve: (e) => e.data.workspaceId }),
    reason: t.string({ nullable: true, description: 'The `reason` given; null when none.', resolve: (e) => e.data.reason }),
  }),
});

builder.objectRef<EventOf<'APPROVAL_LOST_SCOPE_CHANGE'>>('ApprovalLostEvent').implement({
  extensions: preflightFields({}),
  description:
    "The app now requests scopes its org-level approval did not cover: the approval no longer counts (resolution UNRESOLVED, needsReapproval true) until the app is approved again at org level. Workspace-level approvals are not affected (Slack's rule).",
  interfaces: [AppHistoryEventRef],
  fields: (t) => ({
    approvedScopes: t.stringList({ description: 'The scopes the lost approval covered.', resolve: (e) => e.data.approvedScopes }),
    requestedScopes: t.stringList({ description: 'The scopes the app requests now.', resolve: (e) => e.data.requestedScopes }),
    uncoveredScopes: t.stringList({ description: 'The requested scopes the approval did not cover.', resolve: (e) => e.data.uncoveredScopes }),
    reason: t.string({ nullable: true, description: 'Why the scopes changed, when given; else null.', resolve: (e) => e.data.reason }),
  }),
});
