import type { Request } from './client';
import type { AppHistoryPageQuery, ClientAppsWithHistoryQuery } from './gql/graphql';
import { AppHistoryPage, ApproveReviewedApps, ClientAppsWithHistory } from './operations';

/** Approves what a review passed; ids the catalog does not know are reported, not fatal. */
export async function approveReviewed(request: Request, clientId: string, appIds: string[], reason: string) {
  const { approveApps } = await request(ApproveReviewedApps, { clientId, appIds, reason });
  return {
    approved: approveApps.succeeded,
    newlyApproved: approveApps.changed,
    notInCatalog: approveApps.failed.filter((failure) => failure.code === 'APP_NOT_FOUND').map((failure) => failure.id),
  };
}

type HistoryEvent = NonNullable<ClientAppsWithHistoryQuery['client']>['apps']['nodes'][number]['history']['nodes'][number];
type Resolution = 'APPROVED' | 'RESTRICTED' | 'UNRESOLVED';

/** What a change of resolution did: UNRESOLVED after a restriction lifts it, after an approval removes it. */
function decision(from: Resolution, to: Resolution): string {
  if (to === 'APPROVED') return 'approved it';
  if (to === 'RESTRICTED') return 'restricted it';
  if (from === 'RESTRICTED') return 'lifted its restriction';
  if (from === 'APPROVED') return 'removed its approval';
  return 'cleared its decision';
}

const because = (reason: string | null) => (reason ? ` (${reason})` : '');

/**
 * One line per event, for every event type. `__typename` narrows the union (each branch sees its
 * own fields); `type` is the same information as an enum, for filters and display. The `never`
 * at the end makes a type this function does not describe a compile error once codegen has run
 * on a schema that has it.
 */
export function describeEvent(event: HistoryEvent): string {
  const who = event.actor.name;
  switch (event.__typename) {
    case 'ApprovalStatusChangedEvent':
      return `${who} ${decision(event.fromResolution, event.toResolution)}${because(event.reason)}`;
    case 'WorkspaceResolutionChangedEvent':
      return `${who} ${decision(event.fromResolution, event.toResolution)} in workspace ${event.workspaceId}${because(event.reason)}`;
    case 'WorkspaceApprovalVoidedEvent':
      return `${who}'s org-wide restriction voided workspace ${event.workspaceId}'s own approval`;
    case 'AppUpdatedEvent':
      return `${who} changed ${event.changes.map((change) => `${change.field} to ${change.to ?? 'nothing'}`).join(', ')}${because(event.reason)}`;
    case 'NoteAddedEvent':
      return `${who} noted: ${event.note}`;
    case 'InstallRequestCreatedEvent':
      return `${event.requester} asked for it${event.scopes.length ? ` (${event.scopes.join(', ')})` : ''}`;
    case 'InstallRequestResolvedEvent':
      return `${who} ${event.outcome === 'APPROVED' ? 'approved' : 'restricted'} a pending install request`;
    case 'InstallRequestCancelledEvent':
      return `${who} cancelled an install request${because(event.reason)}`;
    case 'ApprovalLostEvent':
      return `its approval stopped counting: it now also requests ${event.uncoveredScopes.join(', ')}`;
    case 'ApprovalExpiredEvent':
      return 'its approval reached the end it was given';
    default: {
      // An event type added to the schema after this client was generated (tsc says so once it is regenerated).
      const unknown: never = event;
      return `${(unknown as { type: string }).type} by ${(unknown as { actor: { name: string } }).actor.name}`;
    }
  }
}

/** Each app of the client's first page, with its latest events described. */
export async function clientOverview(request: Request, clientId: string, historyFirst = 3) {
  const { client } = await request(ClientAppsWithHistory, { clientId, first: 20, historyFirst });
  if (!client) return null;
  return {
    name: client.name,
    apps: client.apps.nodes.map((app) => ({ name: app.name, isApproved: app.isApproved, latest: app.history.nodes.map(describeEvent) })),
  };
}

/** Every event of one app, newest first, fetched a page at a time. */
export async function wholeHistory(request: Request, clientId: string, appId: string, pageSize = 20) {
  const events: { id: string; typename: string; createdAt: string }[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AppHistoryPageQuery = await request(AppHistoryPage, { clientId, appId, first: pageSize, after });
    events.push(...page.appHistory.nodes.map((node) => ({ id: node.id, typename: node.__typename, createdAt: node.createdAt })));
    if (!page.appHistory.pageInfo.hasNextPage) return events;
    after = page.appHistory.pageInfo.endCursor;
  }
}
