/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** The kinds of app history event. */
export type AppHistoryEventType =
  /** The app's requested scopes outgrew the org-level approval: it no longer counts and the app needs re-approval at org level. */
  | 'APPROVAL_LOST_SCOPE_CHANGE'
  /** The app's approval changed (written only when it really changed). */
  | 'APPROVAL_STATUS_CHANGED'
  /** updateApp changed client-side attributes (owner, category, risk). */
  | 'APP_UPDATED'
  /** A pending install request was cancelled (cancelAppInstallRequest). */
  | 'INSTALL_REQUEST_CANCELLED'
  /** Someone in a workspace asked for the app (requestAppInstall). */
  | 'INSTALL_REQUEST_CREATED'
  /** A pending install request was approved or restricted, by its id or by a decision on its app that covers it. */
  | 'INSTALL_REQUEST_RESOLVED'
  /** A free-text note was added with addAppHistoryNote. */
  | 'NOTE_ADDED'
  /** An org-level restriction voided a workspace's own approval of the app (one event per workspace). */
  | 'WORKSPACE_APPROVAL_VOIDED'
  /** A workspace's own decision on the app changed (approveApp / restrictApp / clearAppResolution or the bulk calls with a workspaceId). */
  | 'WORKSPACE_RESOLUTION_CHANGED';

/** Why one id of a bulk call failed. */
export type BulkErrorCode =
  /** The id is a well-formed UUID, but the catalog has no such app that this client may see (a private app of another directory is reported exactly as an unknown one). */
  | 'APP_NOT_FOUND'
  /** approveApps with a workspaceId: the app is restricted at org level, which beats any workspace approval. */
  | 'APP_RESTRICTED_ORG_WIDE'
  /** An approval named a scope the app does not request. */
  | 'INVALID_SCOPES';

export type ApproveReviewedAppsMutationVariables = Exact<{
  clientId: string;
  appIds: Array<string> | string;
  reason?: string | null | undefined;
}>;


export type ApproveReviewedAppsMutation = { approveApps: { succeeded: Array<string>, changed: Array<string>, failed: Array<{ id: string, code: BulkErrorCode, error: string }> } };

export type ClientAppsWithHistoryQueryVariables = Exact<{
  clientId: string;
  first: number;
  historyFirst: number;
}>;


export type ClientAppsWithHistoryQuery = { client: { name: string, apps: { nodes: Array<{ id: string, name: string, isApproved: boolean, approvedAt: string | null, history: { nodes: Array<
            | { __typename: 'AppUpdatedEvent', reason: string | null, type: AppHistoryEventType, createdAt: string, changes: Array<{ field: string, from: string | null, to: string | null }>, actor: { name: string } }
            | { __typename: 'ApprovalLostEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'ApprovalStatusChangedEvent', wasApproved: boolean, isApproved: boolean, reason: string | null, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestCancelledEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestCreatedEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestResolvedEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'NoteAddedEvent', note: string, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'WorkspaceApprovalVoidedEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'WorkspaceResolutionChangedEvent', type: AppHistoryEventType, createdAt: string, actor: { name: string } }
          > } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type AppHistoryPageQueryVariables = Exact<{
  clientId: string;
  appId: string;
  first: number;
  after?: string | null | undefined;
}>;


export type AppHistoryPageQuery = { appHistory: { nodes: Array<
      | { __typename: 'AppUpdatedEvent', id: string, createdAt: string, changes: Array<{ field: string }> }
      | { __typename: 'ApprovalLostEvent', id: string, createdAt: string }
      | { __typename: 'ApprovalStatusChangedEvent', isApproved: boolean, id: string, createdAt: string }
      | { __typename: 'InstallRequestCancelledEvent', id: string, createdAt: string }
      | { __typename: 'InstallRequestCreatedEvent', id: string, createdAt: string }
      | { __typename: 'InstallRequestResolvedEvent', id: string, createdAt: string }
      | { __typename: 'NoteAddedEvent', note: string, id: string, createdAt: string }
      | { __typename: 'WorkspaceApprovalVoidedEvent', id: string, createdAt: string }
      | { __typename: 'WorkspaceResolutionChangedEvent', id: string, createdAt: string }
    >, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };


export const ApproveReviewedAppsDocument = {"__meta__":{"hash":"sha256:d5c699d6a496674ee1df0e5e1b44cdcc9a7e29c560c1bd38d9a21d3267ab494a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ApproveReviewedApps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appIds"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"approveApps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"appIds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appIds"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"succeeded"}},{"kind":"Field","name":{"kind":"Name","value":"changed"}},{"kind":"Field","name":{"kind":"Name","value":"failed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]}}]} as unknown as DocumentNode<ApproveReviewedAppsMutation, ApproveReviewedAppsMutationVariables>;
export const ClientAppsWithHistoryDocument = {"__meta__":{"hash":"sha256:b19723a30d720b163e0f6a859064172fabe7c82b02c09489a368884d5616e874"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientAppsWithHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"historyFirst"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"apps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"isApproved"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"history"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"historyFirst"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalStatusChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"wasApproved"}},{"kind":"Field","name":{"kind":"Name","value":"isApproved"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AppUpdatedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NoteAddedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"note"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClientAppsWithHistoryQuery, ClientAppsWithHistoryQueryVariables>;
export const AppHistoryPageDocument = {"__meta__":{"hash":"sha256:cede0199418f1cdc4e34f4afafa651123d9c54a73d90c6de0f5ca8ab7afa54ea"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AppHistoryPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalStatusChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"isApproved"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AppUpdatedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NoteAddedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"note"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AppHistoryPageQuery, AppHistoryPageQueryVariables>;