/** The OpenAPI 3.1 document of the route table, generated from its rows. */
import type { RouteTable } from './compile';
import { RouteError, type JsonSchema, type ParamSpec, type ParamSpecs, type RouteRow } from './table';

export const OPENAPI_PATH = '/v2/openapi.json';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad input: a body or parameter of the wrong shape, or a value the API refuses (BAD_USER_INPUT).',
  401: 'No token, a malformed Authorization header or an unknown token (UNAUTHENTICATED).',
  403: 'The token lacks the scope, or may not act on this client (FORBIDDEN).',
  404: 'Unknown client or app (NOT_FOUND), or no such route (ROUTE_NOT_FOUND).',
  405: 'Known path, other method (METHOD_NOT_ALLOWED); `Allow` lists the methods.',
  408: 'The request did not arrive whole within APPGOV_REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection closes.',
  409: 'A stale `expected_version` (CONFLICT).',
  413: 'The body is too large (PAYLOAD_TOO_LARGE).',
  415: 'The body is not JSON (UNSUPPORTED_MEDIA_TYPE).',
  429: 'Too many requests or connections (RATE_LIMITED); `Retry-After` says when to retry.',
  500: 'Unexpected error (INTERNAL_SERVER_ERROR); nothing internal is shown.',
  503: 'Temporarily unavailable (UNAVAILABLE: a write lock held elsewhere, or every connection taken); `Retry-After` says when to retry.',
};

function paramSchema(spec: ParamSpec, inQuery: boolean): JsonSchema {
  const item: JsonSchema = spec.enum ? { type: 'string', enum: [...spec.enum] } : { type: 'string' };
  const base: JsonSchema =
    spec.type === 'string[]'
      ? inQuery
        ? { type: 'string', description: 'Comma-separated.' }
        : { type: 'array', items: item }
      : spec.type === 'string'
        ? item
        : spec.type === 'object'
          ? bodySchema(spec.properties ?? {})
          : { type: spec.type };
  const schema = spec.nullable && !inQuery ? { ...base, type: [base.type, 'null'] } : base;
  return { ...schema, description: spec.description };
}

function bodySchema(specs: ParamSpecs): JsonSchema {
  const required = Object.entries(specs)
    .filter(([, spec]) => spec.required)
    .map(([name]) => name);
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length ? { required } : {}),
    properties: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, paramSchema(spec, false)])),
  };
}

/** `POST /v2/clients/{client_id}/apps/approval` → `postV2ClientsClientIdAppsApproval`. */
function operationIdOf(row: RouteRow): string {
  const camel = row.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  return `${row.method.toLowerCase()}${camel}`;
}

/**
 * The refusals a row can meet, as probes of its protocol's `errorReply`: the document's error
 * statuses and their headers are what `errorReply` answers to these, so they cannot drift from
 * the code (Slack answers most refusals with HTTP 200).
 *
 * Every row: bad input (an unknown query key is refused on every row), no or a bad token, a
 * missing scope, an unknown id, another method on its path, the rate limit and the connection
 * limit, a masked error. A row with a body (the protocol reads one): a body too large, a body
 * that does not arrive in time (408: a row without a body answers before any body could stall
 * it), and the protocol's own body refusals (REST: 415). The row's own `refusals` (CONFLICT of
 * a stale `expected_version`).
 */
function refusalsOf(row: RouteRow): RouteError[] {
  const codes = ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR', 'UNAVAILABLE'];
  if (row.body) codes.push('PAYLOAD_TOO_LARGE', 'REQUEST_TIMEOUT', ...(row.protocol.openApi.bodyRefusals ?? []));
  codes.push(...(row.refusals ?? []));
  return codes.map((code) => new RouteError(code, 'probe', code === 'METHOD_NOT_ALLOWED' ? { allow: ['GET'] } : {}));
}

/** Codes whose reply carries `Retry-After` when the refusal says how long to wait. */
const RETRY_CODES = new Set(['RATE_LIMITED', 'UNAVAILABLE']);

const HEADER_TEXT: Record<string, string> = {
  'retry-after': 'Seconds to wait before retrying.',
  'www-authenticate': 'The authentication scheme: `Bearer`.',
  allow: 'The methods the path accepts.',
  deprecation: 'RFC 9745: when this route was deprecated (`@` and Unix seconds).',
  sunset: 'RFC 8594: when this route will be removed.',
  link: 'The successor route (`rel="successor-version"`).',
};

interface ErrorStatus {
  /** Headers every refusal with this status sends (lowercase name → always sent). */
  headers: Map<string, boolean>;
}

/** The statuses a row answers refusals with, and the headers each carries, from its protocol's `errorReply`. */
function errorStatusesOf(row: RouteRow): Map<number, ErrorStatus> {
  const statuses = new Map<number, ErrorStatus>();
  const entry = (status: number) => statuses.get(status) ?? statuses.set(status, { headers: new Map() }).get(status)!;
  for (const probe of refusalsOf(row)) {
    const reply = row.protocol.errorReply(probe);
    const found = entry(reply.status ?? 200);
    for (const name of Object.keys(reply.headers ?? {})) found.headers.set(name.toLowerCase(), true);
    if (RETRY_CODES.has(probe.code)) {
      const waited = row.protocol.errorReply(new RouteError(probe.code, 'probe', { retryAfter: 1 }));
      const named = Object.keys(waited.headers ?? {}).some((name) => name.toLowerCase() === 'retry-after');
      if (named && !found.headers.has('retry-after')) found.headers.set('retry-after', false);
    }
  }
  return statuses;
}

function headersObject(rowHeaders: Readonly<Record<string, string>>, statusHeaders: Map<string, boolean>): JsonSchema | undefined {
  const headers: Record<string, JsonSchema> = {};
  for (const [name, value] of Object.entries(rowHeaders)) {
    headers[name] = { description: HEADER_TEXT[name.toLowerCase()] ?? name, required: true, schema: { type: 'string', const: value } };
  }
  for (const [name, always] of statusHeaders) {
    const display = name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()).replace('Www', 'WWW');
    if (Object.keys(headers).some((h) => h.toLowerCase() === name)) continue;
    headers[display] = {
      description: HEADER_TEXT[name] ?? display,
      required: always,
      schema: name === 'retry-after' ? { type: 'string', pattern: '^[0-9]+$' } : { type: 'string' },
    };
  }
  return Object.keys(headers).length ? headers : undefined;
}

function operationOf(row: RouteRow): JsonSchema {
  const pathParams = [...row.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const parameters = [
    ...pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: row.pathParams?.[name] ?? name,
      schema: { type: 'string' },
    })),
    ...Object.entries(row.query ?? {}).map(([name, spec]) => ({
      name,
      in: 'query',
      required: spec.required ?? false,
      description: spec.description,
      schema: paramSchema(spec, true),
    })),
  ];
  const errorRef = { $ref: `#/components/schemas/${row.protocol.name}Error` };
  const rowHeaders = row.headers ?? {};
  const responses: Record<string, JsonSchema> = {};
  const errors = errorStatusesOf(row);
  const successStatuses = [{ status: row.response.status, description: row.response.description }, ...(row.response.otherStatuses ?? [])];
  for (const [status, { headers }] of [...errors].sort(([a], [b]) => a - b)) {
    if (successStatuses.some((s) => s.status === status)) continue;
    const headerDocs = headersObject(rowHeaders, headers);
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error.',
      ...(headerDocs ? { headers: headerDocs } : {}),
      content: { 'application/json': { schema: errorRef } },
    };
  }
  for (const { status, description } of successStatuses) {
    // A protocol that answers refusals with the success status (Slack: HTTP 200 `{"ok": false}`) gets either body.
    const refusals = errors.get(status);
    const schema = row.response.schema && refusals ? { anyOf: [row.response.schema, errorRef] } : row.response.schema;
    const headerDocs = headersObject(rowHeaders, refusals?.headers ?? new Map());
    responses[String(status)] = {
      description: refusals ? `${description} Refusals come with this status too, as the error body.` : description,
      ...(headerDocs ? { headers: headerDocs } : {}),
      ...(schema ? { content: { 'application/json': { schema } } } : {}),
    };
  }
  return {
    summary: row.summary,
    ...(row.description ? { description: row.description } : {}),
    ...(row.deprecated ? { deprecated: true } : {}),
    operationId: operationIdOf(row),
    tags: [row.protocol.name],
    ...(parameters.length ? { parameters } : {}),
    ...(row.body ? { requestBody: { required: true, content: { 'application/json': { schema: bodySchema(row.body) } } } } : {}),
    responses,
  };
}

export function openApiDocument(table: RouteTable): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const errorSchemas: Record<string, JsonSchema> = {};
  for (const { row } of table.routes) {
    (paths[row.path] ??= {})[row.method.toLowerCase()] = operationOf(row);
    errorSchemas[`${row.protocol.name}Error`] = row.protocol.openApi.errorSchema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'appgov HTTP routes',
      version: '2',
      description:
        'Each route runs one operation of the appgov GraphQL schema (served at /graphql), with the same authentication, ' +
        'scopes, limits and errors. Send `Authorization: Bearer <token>`.',
    },
    // Relative to where the document is served from, so it works on any host and port.
    servers: [{ url: '/', description: 'This server.' }],
    // No info.license: package.json is private and names no license.
    components: { schemas: errorSchemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
