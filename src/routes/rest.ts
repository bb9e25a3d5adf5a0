/**
 * The REST protocol (the approvals REST API under `/v2`): JSON bodies, snake_case, and each error as an
 * HTTP status with `{"error": {"code", "message", …details}}`.
 */
import { MASKED_ERROR, publicDetails, retryAfterOf } from './error-details';
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
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

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
      additionalProperties: { description: 'The GraphQL error\'s other extensions, e.g. `field`, `invalidCount`.' },
    },
  },
};

/**
 * A REST protocol owning `prefixes`: JSON bodies only, errors as status + `{"error": …}`. The
 * `/v2` routes use `restProtocol`; another JSON API under its own prefix can make its own.
 */
export function createRestProtocol(name: string, prefixes: readonly string[]): Protocol {
  return {
    name,
    prefixes,

    async readInput(request, row, maxBodyBytes) {
      if (!row.body) return { body: {}, bodyIsText: false };
      const type = mediaType(request);
      const text = await readBodyText(request, maxBodyBytes);
      if (type === null && text === '') return { body: {}, bodyIsText: false };
      if (type !== 'application/json' && !type?.endsWith('+json')) {
        const got = type ?? 'no content type';
        throw new RouteError('UNSUPPORTED_MEDIA_TYPE', `Send the body as JSON with "Content-Type: application/json"; got ${got}`, {
          accepted: ['application/json'],
        });
      }
      return { body: parseJsonObject(text), bodyIsText: false };
    },

    errorReply(error): RouteReply {
      const status = REST_STATUS[error.code];
      if (status === undefined) {
        // Masked errors arrive here already logged; anything else unmapped is a gap worth seeing.
        if (error.code !== MASKED_ERROR.code) console.error(`route error with no REST status: ${error.code}: ${error.message}`);
        return { status: 500, body: { error: MASKED_ERROR } };
      }
      const headers: Record<string, string> = {};
      if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
      if (status === 405 && Array.isArray(error.details.allow)) headers.Allow = error.details.allow.join(', ');
      const retryAfter = status === 429 || status === 503 ? retryAfterOf(error.details) : null;
      if (retryAfter !== null) headers['Retry-After'] = retryAfter;
      return { status, headers, body: { error: { code: error.code, message: error.message, ...publicDetails(error.details) } } };
    },

    openApi: { errorSchema: REST_ERROR_SCHEMA, bodyRefusals: ['UNSUPPORTED_MEDIA_TYPE'] },
  };
}

export const restProtocol = createRestProtocol('rest', ['/v2']);
