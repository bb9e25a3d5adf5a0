import type { ErrorCode } from '../errors';
import { builder } from './builder';

/**
 * Not the type of any field: it documents, in the schema itself, every value
 * a GraphQL error's `extensions.code` can take and which operations give it.
 */
builder.enumType('ErrorCode', {
  description:
    "Every value of a GraphQL error's `extensions.code`. Per-id problems of bulk calls are not errors: they are BulkResult.failed entries (BulkErrorCode).",
  values: {
    UNAUTHENTICATED: {
      value: 'UNAUTHENTICATED',
      description:
        'HTTP 401: no usable bearer token. `extensions.reason` is TOKEN_EXPIRED or TOKEN_REVOKED for a token that was valid once; absent for a missing, malformed or unknown token.',
    },
    FORBIDDEN: {
      value: 'FORBIDDEN',
      description:
        'The token may not do this. `extensions.reason`: MISSING_SCOPE (with `needed` and `provided` scopes; e.g. requestAppInstall needs apps:request) or OTHER_CLIENT (a client token naming another client).',
    },
    NOT_FOUND: {
      value: 'NOT_FOUND',
      description: 'No such client, workspace, app or install request (`extensions.field` names the argument: clientId, workspaceId, appId, requestId).',
    },
    BAD_USER_INPUT: { value: 'BAD_USER_INPUT', description: 'Malformed input (`extensions.field` names it): an id that is not a UUID, a bad cursor or page size, both or neither of two exclusive arguments.' },
    CONFLICT: { value: 'CONFLICT', description: "updateApp's expectedVersion is stale." },
    APP_RESTRICTED_ORG_WIDE: {
      value: 'APP_RESTRICTED_ORG_WIDE',
      description: 'approveApp at a workspace for an app restricted at org level: the org restriction beats every workspace approval.',
    },
    REQUEST_ALREADY_RESOLVED: {
      value: 'REQUEST_ALREADY_RESOLVED',
      description: 'approveApp / restrictApp by requestId, or cancelAppInstallRequest, on a request that is no longer pending (`extensions.status` says what it became).',
    },
    INVALID_SCOPES: {
      value: 'INVALID_SCOPES',
      description: 'approveApp or requestAppInstall named a scope the app does not request (`extensions.invalidScopes` lists them).',
    },
    UNAVAILABLE: { value: 'UNAVAILABLE', description: 'HTTP 503: the database stayed busy (another process holds the write lock); retry after `extensions.retryAfter` seconds.' },
    RATE_LIMITED: { value: 'RATE_LIMITED', description: "HTTP 429: this token's rate budget or concurrency bound is spent; retry after `extensions.retryAfter` seconds." },
    TRUSTED_DOCUMENT_REQUIRED: {
      value: 'TRUSTED_DOCUMENT_REQUIRED',
      description: 'APPGOV_TRUSTED_DOCUMENTS is set and this token kind may run only trusted documents: send a documentId.',
    },
    TRUSTED_DOCUMENT_NOT_FOUND: { value: 'TRUSTED_DOCUMENT_NOT_FOUND', description: 'The documentId is not in the trusted-documents manifest.' },
    INTERNAL_SERVER_ERROR: { value: 'INTERNAL_SERVER_ERROR', description: 'Something unexpected; masked, details only in the server log.' },
  } as const satisfies Record<ErrorCode | 'INTERNAL_SERVER_ERROR', { value: string; description: string }>,
});
