/**
 * Domain errors. Services throw these; the schema edge (yoga's error masking)
 * turns them into GraphQL errors carrying `extensions.code`. Anything else that
 * escapes a resolver is unexpected and is masked as INTERNAL_SERVER_ERROR.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  // The workspace model's own refusals (schema/error-codes.ts says which operation gives each).
  | 'APP_RESTRICTED_ORG_WIDE'
  | 'REQUEST_ALREADY_RESOLVED'
  | 'INVALID_SCOPES'
  | 'UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'TRUSTED_DOCUMENT_REQUIRED'
  | 'TRUSTED_DOCUMENT_NOT_FOUND';

export class AppgovError extends Error {
  override name = 'AppgovError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable details, added to `extensions`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class UnauthenticatedError extends AppgovError {
  constructor(
    message = 'Authentication required: send "Authorization: Bearer <token>"',
    details: { reason?: 'TOKEN_EXPIRED' | 'TOKEN_REVOKED' } = {},
  ) {
    super('UNAUTHENTICATED', message, details);
  }
}

export class ForbiddenError extends AppgovError {
  constructor(message: string, details: { reason?: string } & Record<string, unknown> = {}) {
    super('FORBIDDEN', message, details);
  }
}

export class NotFoundError extends AppgovError {
  constructor(message: string, details: { field?: string } & Record<string, unknown> = {}) {
    super('NOT_FOUND', message, details);
  }
}

export class BadUserInputError extends AppgovError {
  constructor(message: string, details: { field?: string } & Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class ConflictError extends AppgovError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

/** A workspace-model refusal with its own code; `details` says which entity or scopes. */
export class DecisionError extends AppgovError {
  constructor(
    code: 'APP_RESTRICTED_ORG_WIDE' | 'REQUEST_ALREADY_RESOLVED' | 'INVALID_SCOPES',
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}

/** APPGOV_TRUSTED_DOCUMENTS is set and this token's kind may run only the manifest's operations. */
export class TrustedDocumentRequiredError extends AppgovError {
  constructor(kinds: readonly string[]) {
    super(
      'TRUSTED_DOCUMENT_REQUIRED',
      `Tokens of kind ${kinds.join(' or ')} may run only trusted documents: send "documentId" with the id from the manifest.`,
    );
  }
}

/** The request named a document id the trusted-documents manifest does not hold. */
export class TrustedDocumentNotFoundError extends AppgovError {
  constructor(documentId: string) {
    super('TRUSTED_DOCUMENT_NOT_FOUND', `No trusted document has the id ${JSON.stringify(documentId)}.`, { documentId });
  }
}

/** Retryable: the write lock stayed taken (another process writes). HTTP 503 with Retry-After. */
export class UnavailableError extends AppgovError {
  constructor(message: string, retryAfterSeconds: number) {
    super('UNAVAILABLE', message, { retryAfter: retryAfterSeconds, http: { status: 503, headers: { 'Retry-After': String(retryAfterSeconds) } } });
  }
}

/** This token's budget or concurrency bound is spent. HTTP 429 with Retry-After. */
export class RateLimitedError extends AppgovError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryAfter: retryAfterSeconds, http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } } });
  }
}
