/**
 * The REST protocol (the seeds' `/v2` routes): JSON bodies, snake_case, and each error as an
 * HTTP status with `{"error": {"code", "message", …details}}`.
 */
import { mediaType, parseJsonObject, readBodyText } from './shapes';
import { RouteError, type JsonSchema, type Protocol, type RouteReply } from './table';

/** The one place that turns an error code into a REST status. Anything else is a masked 500. */
export const REST_STATUS: Readonly<Record<string, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

export const MASKED_ERROR = { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } as const;

/** Seconds to wait, from a GraphQL error's `retryAfter` extension or its HTTP `Retry-After` header. */
export function retryAfterOf(details: Readonly<Record<string, unknown>>): string | null {
  if (typeof details.retryAfter === 'number' || typeof details.retryAfter === 'string') return String(details.retryAfter);
  const http = details.http as { headers?: Record<string, unknown> } | undefined;
  const header = http?.headers && Object.entries(http.headers).find(([name]) => name.toLowerCase() === 'retry-after');
  return header ? String(header[1]) : null;
}

/** Extensions that describe transport, not the error: never part of an error body. */
export function publicDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { http: _http, ...rest } = details;
  return rest;
}

export const REST_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'The GraphQL API\'s `extensions.code` (BAD_USER_INPUT, NOT_FOUND, …).' },
        message: { type: 'string', description: 'The same message the GraphQL API gives.' },
      },
      additionalProperties: { description: 'The GraphQL error\'s other extensions, e.g. `field`, `invalidIds`.' },
    },
  },
};

export const restProtocol: Protocol = {
  name: 'rest',
  prefixes: ['/v2'],

  async readInput(request, row, maxBodyBytes) {
    if (!row.body) return { body: {}, bodyIsText: false };
    const type = mediaType(request);
    const text = await readBodyText(request, maxBodyBytes);
    if (type === null && text === '') return { body: {}, bodyIsText: false };
    if (type !== 'application/json' && !type?.endsWith('+json')) {
      throw new RouteError('UNSUPPORTED_MEDIA_TYPE', `Send the body as JSON with "Content-Type: application/json"; got ${type ?? 'no content type'}`, {
        accepted: ['application/json'],
      });
    }
    return { body: parseJsonObject(text), bodyIsText: false };
  },

  errorReply(error): RouteReply {
    const status = REST_STATUS[error.code];
    if (status === undefined) return { status: 500, body: { error: MASKED_ERROR } };
    const headers: Record<string, string> = {};
    if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
    if (status === 405 && Array.isArray(error.details.allow)) headers.Allow = error.details.allow.join(', ');
    const retryAfter = status === 429 || status === 503 ? retryAfterOf(error.details) : null;
    if (retryAfter !== null) headers['Retry-After'] = retryAfter;
    return { status, headers, body: { error: { code: error.code, message: error.message, ...publicDetails(error.details) } } };
  },

  openApi: {
    errorStatuses: [400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503],
    errorSchema: REST_ERROR_SCHEMA,
  },
};
