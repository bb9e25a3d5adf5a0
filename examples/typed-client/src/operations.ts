import { graphql } from './gql';

/** Approve apps after a review: unknown ids come back per item in `failed`, the rest still succeed. */
export const ApproveReviewedApps = graphql(`
  mutation ApproveReviewedApps($clientId: ID!, $appIds: [ID!]!, $reason: String) {
    approveApps(clientId: $clientId, appIds: $appIds, reason: $reason) {
      succeeded
      changed
      failed { id code error }
    }
  }
`);

/** A client's apps, each with its latest history events (one SQL query for all of them); each event type with its own fields. */
export const ClientAppsWithHistory = graphql(`
  query ClientAppsWithHistory($clientId: ID!, $first: Int!, $historyFirst: Int!) {
    client(id: $clientId) {
      name
      apps(first: $first) {
        nodes {
          id
          name
          isApproved
          approvedAt
          history(first: $historyFirst) {
            nodes {
              __typename
              type
              createdAt
              actor { name }
              ... on ApprovalStatusChangedEvent { fromResolution toResolution reason }
              ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution reason }
              ... on WorkspaceApprovalVoidedEvent { workspaceId }
              ... on AppUpdatedEvent { changes { field from to } reason }
              ... on NoteAddedEvent { note }
              ... on InstallRequestCreatedEvent { requester scopes }
              ... on InstallRequestResolvedEvent { outcome }
              ... on InstallRequestCancelledEvent { reason }
              ... on ApprovalLostEvent { uncoveredScopes }
              ... on ApprovalExpiredEvent { expiredAt }
            }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

/** One page of one app's history; pass `endCursor` back as `after` for the next. */
export const AppHistoryPage = graphql(`
  query AppHistoryPage($clientId: ID!, $appId: ID!, $first: Int!, $after: String) {
    appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after) {
      nodes {
        __typename
        id
        createdAt
        ... on ApprovalStatusChangedEvent { isApproved }
        ... on AppUpdatedEvent { changes { field } }
        ... on NoteAddedEvent { note }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
