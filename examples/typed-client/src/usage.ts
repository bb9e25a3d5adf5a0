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

/**
 * One line per event. `__typename` narrows the union (each branch sees its own fields);
 * `type` is the same information as an enum, for filters and display.
 */
export function describeEvent(event: HistoryEvent): string {
  switch (event.__typename) {
    case 'ApprovalStatusChangedEvent':
      return `${event.actor.name} ${event.isApproved ? 'approved' : 'unapproved'} it${event.reason ? ` (${event.reason})` : ''}`;
    case 'AppUpdatedEvent':
      return `${event.actor.name} changed ${event.changes.map((change) => `${change.field} to ${change.to ?? 'nothing'}`).join(', ')}`;
    case 'NoteAddedEvent':
      return `${event.actor.name} noted: ${event.note}`;
    default:
      // An event type added to the schema after this client was generated.
      return `${(event as { type: string }).type} by ${(event as { actor: { name: string } }).actor.name}`;
  }
}

/** Each app of the client's first page, with its latest events described. */
export async function clientOverview(request: Request, clientId: string) {
  const { client } = await request(ClientAppsWithHistory, { clientId, first: 20, historyFirst: 3 });
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
