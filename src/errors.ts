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
  // Seed 002's own refusals (see schema/decision-errors.ts for when each is given).
  | 'APP_RESTRICTED_ORG_WIDE'
  | 'REQUEST_ALREADY_RESOLVED'
  | 'INVALID_SCOPES';

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

/** A seed-002 refusal with its own code; `details` says which entity or scopes. */
export class DecisionError extends AppgovError {
  constructor(
    code: 'APP_RESTRICTED_ORG_WIDE' | 'REQUEST_ALREADY_RESOLVED' | 'INVALID_SCOPES',
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}
