/** The OpenAPI 3.1 document of the route table, generated from its rows. */
import type { RouteTable } from './compile';
import type { JsonSchema, ParamSpec, ParamSpecs, RouteRow } from './table';

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
  const errorResponses = Object.fromEntries(
    row.protocol.openApi.errorStatuses.map((status) => [
      String(status),
      {
        description: STATUS_TEXT[status] ?? 'Error.',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${row.protocol.name}Error` } } },
      },
    ]),
  );
  const success = row.response.schema
    ? { description: row.response.description, content: { 'application/json': { schema: row.response.schema } } }
    : { description: row.response.description };
  return {
    summary: row.summary,
    ...(row.description ? { description: row.description } : {}),
    ...(row.deprecated ? { deprecated: true } : {}),
    operationId: operationIdOf(row),
    tags: [row.protocol.name],
    ...(parameters.length ? { parameters } : {}),
    ...(row.body ? { requestBody: { required: true, content: { 'application/json': { schema: bodySchema(row.body) } } } } : {}),
    responses: { ...errorResponses, [String(row.response.status)]: success },
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
    components: { schemas: errorSchemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
