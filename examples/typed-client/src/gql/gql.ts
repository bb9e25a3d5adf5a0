/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation RestrictApp($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    restrictApp(app: $app, at: $at, reason: $reason) { action changed }\n  }\n": typeof types.RestrictAppDocument,
    "\n  mutation ClearAppResolution($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    clearAppResolution(app: $app, at: $at, reason: $reason) { action changed }\n  }\n": typeof types.ClearAppResolutionDocument,
    "\n  mutation ApproveReviewedApps($clientId: ID!, $appIds: [ID!]!, $reason: String) {\n    approveApps(clientId: $clientId, appIds: $appIds, reason: $reason) {\n      succeeded\n      changed\n      failed { id code error }\n    }\n  }\n": typeof types.ApproveReviewedAppsDocument,
    "\n  query ClientAppsWithHistory($clientId: ID!, $first: Int!, $historyFirst: Int!) {\n    client(id: $clientId) {\n      name\n      apps(first: $first) {\n        nodes {\n          id\n          name\n          isApproved\n          approvedAt\n          history(first: $historyFirst) {\n            nodes {\n              __typename\n              type\n              createdAt\n              actor { name }\n              ... on ApprovalStatusChangedEvent { fromResolution toResolution reason }\n              ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution reason }\n              ... on WorkspaceApprovalVoidedEvent { workspaceId }\n              ... on AppUpdatedEvent { changes { field from to } reason }\n              ... on NoteAddedEvent { note }\n              ... on InstallRequestCreatedEvent { requester scopes }\n              ... on InstallRequestResolvedEvent { outcome }\n              ... on InstallRequestCancelledEvent { reason }\n              ... on ApprovalLostEvent { uncoveredScopes }\n              ... on ApprovalExpiredEvent { expiredAt }\n            }\n          }\n        }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.ClientAppsWithHistoryDocument,
    "\n  query AppHistoryPage($clientId: ID!, $appId: ID!, $first: Int!, $after: String) {\n    appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after) {\n      nodes {\n        __typename\n        id\n        createdAt\n        ... on ApprovalStatusChangedEvent { isApproved }\n        ... on AppUpdatedEvent { changes { field } }\n        ... on NoteAddedEvent { note }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.AppHistoryPageDocument,
};
const documents: Documents = {
    "\n  mutation RestrictApp($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    restrictApp(app: $app, at: $at, reason: $reason) { action changed }\n  }\n": types.RestrictAppDocument,
    "\n  mutation ClearAppResolution($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    clearAppResolution(app: $app, at: $at, reason: $reason) { action changed }\n  }\n": types.ClearAppResolutionDocument,
    "\n  mutation ApproveReviewedApps($clientId: ID!, $appIds: [ID!]!, $reason: String) {\n    approveApps(clientId: $clientId, appIds: $appIds, reason: $reason) {\n      succeeded\n      changed\n      failed { id code error }\n    }\n  }\n": types.ApproveReviewedAppsDocument,
    "\n  query ClientAppsWithHistory($clientId: ID!, $first: Int!, $historyFirst: Int!) {\n    client(id: $clientId) {\n      name\n      apps(first: $first) {\n        nodes {\n          id\n          name\n          isApproved\n          approvedAt\n          history(first: $historyFirst) {\n            nodes {\n              __typename\n              type\n              createdAt\n              actor { name }\n              ... on ApprovalStatusChangedEvent { fromResolution toResolution reason }\n              ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution reason }\n              ... on WorkspaceApprovalVoidedEvent { workspaceId }\n              ... on AppUpdatedEvent { changes { field from to } reason }\n              ... on NoteAddedEvent { note }\n              ... on InstallRequestCreatedEvent { requester scopes }\n              ... on InstallRequestResolvedEvent { outcome }\n              ... on InstallRequestCancelledEvent { reason }\n              ... on ApprovalLostEvent { uncoveredScopes }\n              ... on ApprovalExpiredEvent { expiredAt }\n            }\n          }\n        }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.ClientAppsWithHistoryDocument,
    "\n  query AppHistoryPage($clientId: ID!, $appId: ID!, $first: Int!, $after: String) {\n    appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after) {\n      nodes {\n        __typename\n        id\n        createdAt\n        ... on ApprovalStatusChangedEvent { isApproved }\n        ... on AppUpdatedEvent { changes { field } }\n        ... on NoteAddedEvent { note }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.AppHistoryPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestrictApp($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    restrictApp(app: $app, at: $at, reason: $reason) { action changed }\n  }\n"): (typeof documents)["\n  mutation RestrictApp($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    restrictApp(app: $app, at: $at, reason: $reason) { action changed }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClearAppResolution($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    clearAppResolution(app: $app, at: $at, reason: $reason) { action changed }\n  }\n"): (typeof documents)["\n  mutation ClearAppResolution($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {\n    clearAppResolution(app: $app, at: $at, reason: $reason) { action changed }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ApproveReviewedApps($clientId: ID!, $appIds: [ID!]!, $reason: String) {\n    approveApps(clientId: $clientId, appIds: $appIds, reason: $reason) {\n      succeeded\n      changed\n      failed { id code error }\n    }\n  }\n"): (typeof documents)["\n  mutation ApproveReviewedApps($clientId: ID!, $appIds: [ID!]!, $reason: String) {\n    approveApps(clientId: $clientId, appIds: $appIds, reason: $reason) {\n      succeeded\n      changed\n      failed { id code error }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientAppsWithHistory($clientId: ID!, $first: Int!, $historyFirst: Int!) {\n    client(id: $clientId) {\n      name\n      apps(first: $first) {\n        nodes {\n          id\n          name\n          isApproved\n          approvedAt\n          history(first: $historyFirst) {\n            nodes {\n              __typename\n              type\n              createdAt\n              actor { name }\n              ... on ApprovalStatusChangedEvent { fromResolution toResolution reason }\n              ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution reason }\n              ... on WorkspaceApprovalVoidedEvent { workspaceId }\n              ... on AppUpdatedEvent { changes { field from to } reason }\n              ... on NoteAddedEvent { note }\n              ... on InstallRequestCreatedEvent { requester scopes }\n              ... on InstallRequestResolvedEvent { outcome }\n              ... on InstallRequestCancelledEvent { reason }\n              ... on ApprovalLostEvent { uncoveredScopes }\n              ... on ApprovalExpiredEvent { expiredAt }\n            }\n          }\n        }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientAppsWithHistory($clientId: ID!, $first: Int!, $historyFirst: Int!) {\n    client(id: $clientId) {\n      name\n      apps(first: $first) {\n        nodes {\n          id\n          name\n          isApproved\n          approvedAt\n          history(first: $historyFirst) {\n            nodes {\n              __typename\n              type\n              createdAt\n              actor { name }\n              ... on ApprovalStatusChangedEvent { fromResolution toResolution reason }\n              ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution reason }\n              ... on WorkspaceApprovalVoidedEvent { workspaceId }\n              ... on AppUpdatedEvent { changes { field from to } reason }\n              ... on NoteAddedEvent { note }\n              ... on InstallRequestCreatedEvent { requester scopes }\n              ... on InstallRequestResolvedEvent { outcome }\n              ... on InstallRequestCancelledEvent { reason }\n              ... on ApprovalLostEvent { uncoveredScopes }\n              ... on ApprovalExpiredEvent { expiredAt }\n            }\n          }\n        }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AppHistoryPage($clientId: ID!, $appId: ID!, $first: Int!, $after: String) {\n    appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after) {\n      nodes {\n        __typename\n        id\n        createdAt\n        ... on ApprovalStatusChangedEvent { isApproved }\n        ... on AppUpdatedEvent { changes { field } }\n        ... on NoteAddedEvent { note }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): (typeof documents)["\n  query AppHistoryPage($clientId: ID!, $appId: ID!, $first: Int!, $after: String) {\n    appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after) {\n      nodes {\n        __typename\n        id\n        createdAt\n        ... on ApprovalStatusChangedEvent { isApproved }\n        ... on AppUpdatedEvent { changes { field } }\n        ... on NoteAddedEvent { note }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;