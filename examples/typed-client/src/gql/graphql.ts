/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What a single-app decision did. */
export type AppDecisionAction =
  /** approveApp. */
  | 'APPROVE'
  /** clearAppResolution. */
  | 'CLEAR'
  /** restrictApp. */
  | 'RESTRICT';

/** The kinds of app history event. */
export type AppHistoryEventType =
  /** An approval given with an end (expiresAt / expiresIn) reached it and was taken back, by appgov itself (actor kind SYSTEM). */
  | 'APPROVAL_EXPIRED'
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

/** Exactly one of: the app, or an install request (which names its app and, by default, the scopes). */
export type AppOrInstallRequest =
  {   /** The app (UUID). NOT_FOUND (`extensions.field` "appId") when the catalog has no such app. */
  appId: string; requestId?: never; }
  |  { appId?: never;   /** An install request (UUID). It must belong to the target (the client, or that very workspace), else NOT_FOUND (`extensions.field` "requestId"). */
  requestId: string; };

/** Where a client stands on an app. `isApproved` is true exactly when this is APPROVED. */
export type AppResolution =
  /** Approved for the client. */
  | 'APPROVED'
  /** Actively blocked for the client. */
  | 'RESTRICTED'
  /** Not decided, or approval was removed. */
  | 'UNRESOLVED';

/** Why one id of a bulk call failed. */
export type BulkErrorCode =
  /** The id is a well-formed UUID, but the catalog has no such app that this client may see (a private app of another directory is reported exactly as an unknown one). */
  | 'APP_NOT_FOUND'
  /** approveApps with a workspaceId: the app is restricted at org level, which beats any workspace approval. */
  | 'APP_RESTRICTED_ORG_WIDE'
  /** An approval named a scope the app does not request. */
  | 'INVALID_SCOPES';

/** Exactly one of: the client (an org-level decision) or one of its workspaces (a workspace-level decision). */
export type ClientOrWorkspace =
  {   /** The client (UUID): decide org-wide. NOT_FOUND when unknown. */
  clientId: string; workspaceId?: never; }
  |  { clientId?: never;   /** A workspace (UUID): decide for it alone. NOT_FOUND (`extensions.field` "workspaceId") when unknown. */
  workspaceId: string; };

/** How a pending install request was resolved by a decision. */
export type InstallRequestOutcome =
  /** Approved (by its id, or by an approval of its app that covers it). */
  | 'APPROVED'
  /** Restricted (by its id, or by a restriction of its app that covers it). */
  | 'RESTRICTED';

export type RestrictAppMutationVariables = Exact<{
  app: AppOrInstallRequest;
  at: ClientOrWorkspace;
  reason?: string | null | undefined;
}>;


export type RestrictAppMutation = { restrictApp: { action: AppDecisionAction, changed: boolean } };

export type ClearAppResolutionMutationVariables = Exact<{
  app: AppOrInstallRequest;
  at: ClientOrWorkspace;
  reason?: string | null | undefined;
}>;


export type ClearAppResolutionMutation = { clearAppResolution: { action: AppDecisionAction, changed: boolean } };

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
            | { __typename: 'ApprovalExpiredEvent', expiredAt: string, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'ApprovalLostEvent', uncoveredScopes: Array<string>, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'ApprovalStatusChangedEvent', fromResolution: AppResolution, toResolution: AppResolution, reason: string | null, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestCancelledEvent', reason: string | null, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestCreatedEvent', requester: string, scopes: Array<string>, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'InstallRequestResolvedEvent', outcome: InstallRequestOutcome, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'NoteAddedEvent', note: string, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'WorkspaceApprovalVoidedEvent', workspaceId: string, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
            | { __typename: 'WorkspaceResolutionChangedEvent', workspaceId: string, fromResolution: AppResolution, toResolution: AppResolution, reason: string | null, type: AppHistoryEventType, createdAt: string, actor: { name: string } }
          > } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type AppHistoryPageQueryVariables = Exact<{
  clientId: string;
  appId: string;
  first: number;
  after?: string | null | undefined;
}>;


export type AppHistoryPageQuery = { appHistory: { nodes: Array<
      | { __typename: 'AppUpdatedEvent', id: string, createdAt: string, changes: Array<{ field: string }> }
      | { __typename: 'ApprovalExpiredEvent', id: string, createdAt: string }
      | { __typename: 'ApprovalLostEvent', id: string, createdAt: string }
      | { __typename: 'ApprovalStatusChangedEvent', isApproved: boolean, id: string, createdAt: string }
      | { __typename: 'InstallRequestCancelledEvent', id: string, createdAt: string }
      | { __typename: 'InstallRequestCreatedEvent', id: string, createdAt: string }
      | { __typename: 'InstallRequestResolvedEvent', id: string, createdAt: string }
      | { __typename: 'NoteAddedEvent', note: string, id: string, createdAt: string }
      | { __typename: 'WorkspaceApprovalVoidedEvent', id: string, createdAt: string }
      | { __typename: 'WorkspaceResolutionChangedEvent', id: string, createdAt: string }
    >, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };


export const RestrictAppDocument = {"__meta__":{"hash":"sha256:f30b08d4324fa6d0b7857f5336ddc0eb79e1c8a213ed765075569a5b5b67b287"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RestrictApp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"app"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AppOrInstallRequest"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"at"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientOrWorkspace"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restrictApp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"app"},"value":{"kind":"Variable","name":{"kind":"Name","value":"app"}}},{"kind":"Argument","name":{"kind":"Name","value":"at"},"value":{"kind":"Variable","name":{"kind":"Name","value":"at"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"changed"}}]}}]}}]} as unknown as DocumentNode<RestrictAppMutation, RestrictAppMutationVariables>;
export const ClearAppResolutionDocument = {"__meta__":{"hash":"sha256:bc05582327a06db84dee70c0f32c0a45ebfdfc396dadcc1b5dd12a352936b814"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClearAppResolution"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"app"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AppOrInstallRequest"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"at"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientOrWorkspace"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clearAppResolution"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"app"},"value":{"kind":"Variable","name":{"kind":"Name","value":"app"}}},{"kind":"Argument","name":{"kind":"Name","value":"at"},"value":{"kind":"Variable","name":{"kind":"Name","value":"at"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"changed"}}]}}]}}]} as unknown as DocumentNode<ClearAppResolutionMutation, ClearAppResolutionMutationVariables>;
export const ApproveReviewedAppsDocument = {"__meta__":{"hash":"sha256:d5c699d6a496674ee1df0e5e1b44cdcc9a7e29c560c1bd38d9a21d3267ab494a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ApproveReviewedApps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appIds"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"reason"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"approveApps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"appIds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appIds"}}},{"kind":"Argument","name":{"kind":"Name","value":"reason"},"value":{"kind":"Variable","name":{"kind":"Name","value":"reason"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"succeeded"}},{"kind":"Field","name":{"kind":"Name","value":"changed"}},{"kind":"Field","name":{"kind":"Name","value":"failed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]}}]} as unknown as DocumentNode<ApproveReviewedAppsMutation, ApproveReviewedAppsMutationVariables>;
export const ClientAppsWithHistoryDocument = {"__meta__":{"hash":"sha256:b54768deef881c1d91b4f2b9411418c17e0ddb4630c1bf7a1c25ca15aeae7735"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientAppsWithHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"historyFirst"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"apps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"isApproved"}},{"kind":"Field","name":{"kind":"Name","value":"approvedAt"}},{"kind":"Field","name":{"kind":"Name","value":"history"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"historyFirst"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"actor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalStatusChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromResolution"}},{"kind":"Field","name":{"kind":"Name","value":"toResolution"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WorkspaceResolutionChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"workspaceId"}},{"kind":"Field","name":{"kind":"Name","value":"fromResolution"}},{"kind":"Field","name":{"kind":"Name","value":"toResolution"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WorkspaceApprovalVoidedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"workspaceId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AppUpdatedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NoteAddedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"note"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InstallRequestCreatedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requester"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InstallRequestResolvedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InstallRequestCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalLostEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uncoveredScopes"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalExpiredEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"expiredAt"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClientAppsWithHistoryQuery, ClientAppsWithHistoryQueryVariables>;
export const AppHistoryPageDocument = {"__meta__":{"hash":"sha256:cede0199418f1cdc4e34f4afafa651123d9c54a73d90c6de0f5ca8ab7afa54ea"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AppHistoryPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApprovalStatusChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"isApproved"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AppUpdatedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NoteAddedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"note"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AppHistoryPageQuery, AppHistoryPageQueryVariables>;