/**
 * Slack's Web API conventions for the `/api/admin.apps.*` routes: arguments in the query string
 * and in POST bodies form-urlencoded or JSON, the token in `Authorization: Bearer` or as the
 * `token` argument, `X-OAuth-Scopes` on answers to a valid token, and every answer HTTP
 * 200 `{"ok": true, …}` or `{"ok": false, "error": "<code>"}` (`ratelimited` is 429 with
 * `Retry-After`). The error string is mapped from the GraphQL error's code and details only.
 */
import { retryAfterOf } from './error-details';
import { mediaType, parseFormBody, readBodyText, repeatedJsonKey } from './shapes';
import { RouteError, type JsonSchema, type Protocol, type RouteReply, type RouteRow } from './table';

/** Route-level codes of this protocol (the body could not be read as Slack arguments). */
const INVALID_POST_TYPE = 'SLACK_INVALID_POST_TYPE';
const INVALID_FORM_DATA = 'SLACK_INVALID_FORM_DATA';
const INVALID_ARG_NAME = 'SLACK_INVALID_ARG_NAME';
const INVALID_ARRAY_ARG = 'SLACK_INVALID_ARRAY_ARG';
const INVALID_ARGUMENTS = 'SLACK_INVALID_ARGUMENTS';

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
    case INVALID_ARGUMENTS:
      return 'invalid_arguments';
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

/** Form-urlencoded text (a body or a query string) as arguments; a repeated key is invalid_form_data. */
function formArguments(text: string, where: string): Record<string, string> {
  try {
    return parseFormBody(text);
  } catch (error) {
    throw new RouteError(INVALID_FORM_DATA, `${(error as Error).message.replace(/^body key/, where)}`, (error as RouteError).details);
  }
}

/** The body's arguments: form-urlencoded or JSON (any other type is invalid_post_type). */
async function bodyArguments(request: Request, maxBodyBytes: number): Promise<Record<string, unknown>> {
  const type = mediaType(request);
  const text = await readBodyText(request, maxBodyBytes);
  if (type === 'application/x-www-form-urlencoded') return formArguments(text, 'body key');
  if (type === 'application/json') {
    let values: unknown;
    try {
      values = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new RouteError(INVALID_FORM_DATA, 'The body is not valid JSON');
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new RouteError(INVALID_FORM_DATA, 'The JSON body must be an object of arguments');
    }
    // Like a repeated form key: which one was meant is not for appgov to guess.
    const repeated = repeatedJsonKey(text);
    if (repeated !== null) throw new RouteError(INVALID_FORM_DATA, `body key ${repeated} is given more than once`, { field: repeated });
    return values as Record<string, unknown>;
  }
  if (type === null && text === '') return {};
  throw new RouteError(INVALID_POST_TYPE, `Send application/x-www-form-urlencoded or application/json; got ${type ?? 'no content type'}`);
}

/**
 * Reads Slack arguments from the query string and the body alike, as Slack does (a GET has only
 * the query string). The body is form-urlencoded or JSON (any other type with a body is
 * invalid_post_type; an empty body may come without a type). JSON scalars are taken as
 * text, as Slack does, so `"limit": "50"` and `"limit": 50` agree; an array or object value is
 * invalid_array_arg; an argument the method does not take is invalid_arg_name. Every argument
 * is given once: a key repeated in the query string or in a form body is invalid_form_data, one
 * in both the query string and the body is invalid_arguments (nothing is picked silently).
 */
async function readSlackInput(request: Request, row: Pick<RouteRow, 'body' | 'query'>, maxBodyBytes: number) {
  const fromQuery = formArguments(new URL(request.url).search.slice(1), 'query parameter');
  const fromBody = await bodyArguments(request, maxBodyBytes);
  for (const name of Object.keys(fromQuery)) {
    if (Object.hasOwn(fromBody, name)) {
      throw new RouteError(INVALID_ARGUMENTS, `Argument "${name}" is given in both the query string and the body; give it once`, { field: name });
    }
  }
  const body: Record<string, string> = {};
  let token: string | undefined;
  for (const [name, value] of Object.entries({ ...fromQuery, ...fromBody })) {
    if (name !== 'token' && !Object.hasOwn(row.body ?? {}, name) && !Object.hasOwn(row.query ?? {}, name)) {
      throw new RouteError(INVALID_ARG_NAME, `Unknown argument "${name}"`, { field: name });
    }
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') throw new RouteError(INVALID_ARRAY_ARG, `Argument "${name}" must be a string`, { field: name });
    if (name === 'token') token = String(value);
    else body[name] = String(value);
  }
  if (token !== undefined) checkOneCredential(request.headers.get('authorization'), token);
  return { body, bodyIsText: true, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) };
}

/**
 * A `token` parameter and an `Authorization` header that name different credentials are
 * refused (invalid_auth), whichever of them is valid: letting one silently win would let a
 * revoked header pass beside a valid parameter. The same token in both is accepted.
 */
function checkOneCredential(header: string | null, token: string): void {
  if (header === null || header.trim() === '') return;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header.trim())?.[1];
  if (bearer === token) return;
  throw new RouteError(
    'UNAUTHENTICATED',
    'Two different credentials: the token parameter and the Authorization header name different tokens; send one of them',
  );
}

const SLACK_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: { type: 'string', description: "Slack's error code (docs/slack.md lists them)." },
    needed: { type: 'string', description: 'missing_scope only: the scope the method needs.' },
    provided: { type: 'string', description: "missing_scope only: the token's scopes, comma-separated." },
  },
};

export const slackProtocol: Protocol = {
  name: 'slack',
  // Slack's methods are all /api/<method>: an unknown one is Slack's unknown_method.
  prefixes: ['/api'],
  readInput: readSlackInput,
  argumentsInQuery: true,
  // Slack's headers: the token's scopes (the SDKs read them into `response_metadata.scopes`).
  callerHeaders: (caller) => ({ 'X-OAuth-Scopes': caller.scopes.join(',') }),
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
  openApi: { errorSchema: SLACK_ERROR_SCHEMA },
};
