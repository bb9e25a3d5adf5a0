import { GraphQLError, type ASTNode } from 'graphql';
import type { AppgovError } from '../errors';

/**
 * A request-level limit refusal: BAD_USER_INPUT like the complexity limits,
 * `extensions.limit` naming which limit, and HTTP 400 in every response
 * format (`spec: false`), because nothing of the request was executed.
 */
export function limitError(message: string, limit: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', limit, ...details, http: { status: 400, spec: false } },
  });
}

/**
 * A domain error found before execution, shaped as the schema edge shapes
 * one thrown by a resolver (results set before execution skip Yoga's masking).
 */
export function refusalError(error: AppgovError, location: { nodes?: ASTNode; path?: string[] } = {}): GraphQLError {
  return new GraphQLError(error.message, {
    ...location,
    extensions: {
      code: error.code,
      ...error.details,
      ...(error.code === 'UNAUTHENTICATED' ? { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } : {}),
    },
  });
}
