/**
 * Slack's Web API conventions for the `/api/admin.apps.*` routes: POST bodies form-urlencoded or
 * JSON, the token in `Authorization: Bearer` or as the `token` parameter, and every answer HTTP
 * 200 `{"ok": true, …}` or `{"ok": false, "error": "<code>"}` (`ratelimited` is 429 with
 * `Retry-After`). The error string is mapped from the GraphQL error's code and details only.
 */
import { retryAfterOf } from './error-details';
import { mediaType, parseFormBody, readBodyText } from './shapes';
import { RouteError, type JsonSchema, type Protocol, type RouteReply } from './table';

/** Route-level codes of this protocol (the body could not be read as Slack arguments). */
const INVALID_POST_TYPE = 'SLACK_INVALID_POST_TYPE';
const INVALID_FORM_DATA = 'SLACK_INVALID_FORM_DATA';
const INVALID_ARG_NAME = 'SLACK_INVALID_ARG_NAME';
const INVALID_ARRAY_ARG = 'SLACK_INVALID_ARRAY_ARG';

/** Which Slack error a NOT_FOUND or malformed id is, by the argument GraphQL names. */
const BY_FIELD: Readonly<Record<string, string>> = {
  appId: 'invalid_app_id',
  'app.appId': 'invalid_app_id',
  requestId: 'invalid_request_id',
  'app.requestId': 'invalid_request_id',
  workspaceId: 'team_not_found',
  after: 'invalid_cursor',
  scopes: 'invalid_scopes',
};

/** GraphQL's own messages for a @oneOf or non-null variable: which Slack argument pair went wrong. */
function variableError(message: string): string | null {
  if (/OneOf type "AppOrInstallRequest"/.test(message)) return 'too_many_ids_provided';
  if (/OneOf type "ClientOrWorkspace"/.test(message)) return 'too_many_teams_provided';
  if (/^Variable "\$app" of non-null type/.test(message)) return 'request_id_or_app_id_is_required';
  if (/^Variable "\$at" of non-null type/.test(message)) return 'no_team_or_enterprise_provided';
  return null;
}

/** The Slack error string for a refusal. Anything unmapped is `internal_error` (and logged: a gap). */
export function slackErrorCode(error: RouteError): string {
  const details = error.details as Record<string, unknown>;
  switch (error.code) {
    case 'UNAUTHENTICATED':
      if (details.reason === 'TOKEN_EXPIRED') return 'token_expired';
      if (details.reason === 'TOKEN_REVOKED') return 'token_revoked';
      return error.message.startsWith('Authentication required') ? 'not_authed' : 'invalid_auth';
    case 'FORBIDDEN':
      if (details.reason === 'MISSING_SCOPE') return 'missing_scope';
      if (details.reason === 'TOKEN_KIND') return 'not_allowed_token_type';
      return 'access_denied';
    case 'NOT_FOUND':
      // An unknown client (enterprise_id) has no field: like another client's, it is access_denied.
      return BY_FIELD[String(details.field)] ?? 'access_denied';
    case 'BAD_USER_INPUT': {
      const fromVariable = variableError(error.message);
      if (fromVariable) return fromVariable;
      if (details.reason === 'TOO_MANY_TARGETS') return 'too_many_teams_provided';
      if (details.reason === 'NO_TARGET') return 'no_team_or_enterprise_provided';
      return BY_FIELD[String(details.field)] ?? 'invalid_arguments';
    }
    case 'APP_RESTRICTED_ORG_WIDE':
      return 'app_restricted_org_wide';
    case 'REQUEST_ALREADY_RESOLVED':
      return 'request_already_resolved';
    case 'INVALID_SCOPES':
      return 'invalid_scopes';
    case INVALID_POST_TYPE:
      return 'invalid_post_type';
    case INVALID_FORM_DATA:
      return 'invalid_form_data';
    case INVALID_ARG_NAME:
      return 'invalid_arg_name';
    case INVALID_ARRAY_ARG:
      return 'invalid_array_arg';
    case 'ROUTE_NOT_FOUND':
      return 'unknown_method';
    case 'METHOD_NOT_ALLOWED':
      return 'invalid_post_type';
    case 'PAYLOAD_TOO_LARGE':
      return 'invalid_arguments';
    case 'RATE_LIMITED':
      return 'ratelimited';
    case 'REQUEST_TIMEOUT':
      return 'request_timeout';
    case 'UNAVAILABLE':
      return 'service_unavailable';
    case 'INTERNAL_SERVER_ERROR':
      return 'internal_error';
    default:
      console.error(`route error with no Slack code: ${error.code}: ${error.message}`);
      return 'internal_error';
  }
}

/**
 * Reads Slack arguments: form-urlencoded or JSON (any other type is invalid_post_type). JSON
 * scalars are taken as text, as Slack does, so `"limit": "50"` and `"limit": 50` agree; an
 * array or object value is invalid_array_arg; an argument the method does not take is
 * invalid_arg_name.
 */
async function readSlackInput(request: Request, row: { body?: Readonly<Record<string, unknown>> }, maxBodyBytes: number) {
  const type = mediaType(request);
  const text = await readBodyText(request, maxBodyBytes);
  let values: Record<string, unknown>;
  if (type === 'application/x-www-form-urlencoded') {
    try {
      values = parseFormBody(text);
    } catch (error) {
      throw new RouteError(INVALID_FORM_DATA, (error as Error).message);
    }
  } else if (type === 'application/json') {
    try {
      values = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      throw new RouteError(INVALID_FORM_DATA, 'The body is not valid JSON');
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new RouteError(INVALID_FORM_DATA, 'The JSON body must be an object of arguments');
    }
  } else if (type === null && text === '') {
    values = {};
  } else {
    throw new RouteError(INVALID_POST_TYPE, `Send application/x-www-form-urlencoded or application/json; got ${type ?? 'no content type'}`);
  }
  const body: Record<string, string> = {};
  let token: string | undefined;
  for (const [name, value] of Object.entries(values)) {
    if (name !== 'token' && !Object.hasOwn(row.body ?? {}, name)) {
      throw new RouteError(INVALID_ARG_NAME, `Unknown argument "${name}"`, { field: name });
    }
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') throw new RouteError(INVALID_ARRAY_ARG, `Argument "${name}" must be a string`, { field: name });
    if (name === 'token') token = String(value);
    else body[name] = String(value);
  }
  return { body, bodyIsText: true, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
}

const SLACK_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: { type: 'string', description: "Slack's error code (see the README's Slack error table)." },
    needed: { type: 'string', description: 'missing_scope only: the scope the method needs.' },
    provided: { type: 'string', description: "missing_scope only: the token's scopes, comma-separated." },
  },
};

export const slackProtocol: Protocol = {
  name: 'slack',
  // Slack's methods are all /api/<method>: an unknown one is Slack's unknown_method.
  prefixes: ['/api'],
  readInput: readSlackInput,
  errorReply(error): RouteReply {
    const code = slackErrorCode(error);
    const details = error.details as Record<string, unknown>;
    const body: Record<string, unknown> = { ok: false, error: code };
    if (code === 'missing_scope') {
      body.needed = details.needed;
      body.provided = Array.isArray(details.provided) ? details.provided.join(',') : details.provided;
    }
    if (code === 'ratelimited') {
      return { status: 429, headers: { 'Retry-After': retryAfterOf(details) ?? '1' }, body };
    }
    // Slack answers its other errors with HTTP 200; a wait worth telling (a busy database, every connection taken) rides along.
    const retryAfter = code === 'service_unavailable' ? retryAfterOf(details) : null;
    return { status: 200, ...(retryAfter !== null ? { headers: { 'Retry-After': retryAfter } } : {}), body };
  },
  openApi: { errorStatuses: [429], errorSchema: SLACK_ERROR_SCHEMA },
};
