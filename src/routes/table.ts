/**
 * The route table: HTTP routes (REST, Slack-style, vcita-style) served in front of the one
 * GraphQL schema. A row only maps shapes: the request to the variables of one GraphQL
 * operation, and the operation's data to a response. Authentication, scopes, tenancy,
 * limits, value validation, history and logging all happen in the GraphQL pipeline, exactly
 * as for /graphql, so a route can never do what the GraphQL API would refuse.
 *
 * How to add a row:
 *   1. In your protocol's file (`rest-v2.ts`, `slack.ts`, `assignments.ts`), append a
 *      `route({ … })` to its exported list, with `method`, `path` (`{name}` for a path
 *      parameter), `summary`, `protocol`, `operation` (one GraphQL operation, checked against
 *      the schema when the table is compiled: a bad one fails at start and in
 *      test/routes.table.test.ts), the `query` and `body` keys it accepts (their shape is
 *      checked before anything runs: unknown or ill-typed keys are 400), `variables` (pure:
 *      input → operation variables), `respond` (pure: data → status, body, headers) and a
 *      `response` JSON schema for the OpenAPI document.
 *   2. A new file: add its list to `ROUTES` in `index.ts`.
 *   3. Keep value rules (UUID format, empty lists, limits) in the services, where GraphQL and
 *      every protocol share them; a row never refuses anything on its own.
 */

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = { [keyword: string]: unknown };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The shape of one query-string parameter or body key. Query strings and form bodies arrive as text and are converted. */
export interface ParamSpec {
  /**
   * `string[]` is a JSON array of strings, or comma-separated in a query string or form body.
   * `object` is a JSON object (JSON bodies only) whose keys are checked against `properties`.
   */
  type: 'string' | 'boolean' | 'integer' | 'string[]' | 'object';
  description: string;
  required?: boolean;
  /** JSON null is accepted (and passed on as null). */
  nullable?: boolean;
  /** The accepted values (of a string, or of each item of a list). */
  enum?: readonly string[];
  /** The keys of an `object`. */
  properties?: ParamSpecs;
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** What a row's `variables` and `respond` see: path parameters, then the checked query and body. */
export interface RouteInput {
  path: Readonly<Record<string, string>>;
  query: Readonly<Record<string, unknown>>;
  body: Readonly<Record<string, unknown>>;
}

export interface RouteReply {
  /** Default 200. A 204 sends no body. */
  status?: number;
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
}

/**
 * A request-level refusal: from the route layer (no route, wrong method, body shape) or from
 * the GraphQL result (its first error's `extensions.code`, message and other extensions).
 */
export class RouteError extends Error {
  override name = 'RouteError';
  constructor(
    readonly code: string,
    message: string,
    /** Machine-readable details: the GraphQL error's extensions other than `code`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** A request body, read and parsed by the protocol; `authorization` replaces the header when set. */
export interface ProtocolInput {
  body: Record<string, unknown>;
  /** Bodies read as text (form bodies) get their values converted like query strings. */
  bodyIsText: boolean;
  /** E.g. Slack's `token` POST parameter, as `Bearer <token>`. */
  authorization?: string;
}

/** How one family of routes speaks HTTP. */
export interface Protocol {
  name: string;
  /** Path prefixes this protocol owns: an unknown path under one gets this protocol's 404. */
  prefixes: readonly string[];
  /** Reads the body (content type, size, parsing) or throws a RouteError (413, 415, 400). */
  readInput(request: Request, row: RouteRow, maxBodyBytes: number): Promise<ProtocolInput>;
  /** A refusal (from the route layer or the GraphQL result) as this protocol's response. */
  errorReply(error: RouteError): RouteReply;
  /**
   * The query string carries arguments like the body (Slack): `readInput` reads both into
   * `body`, checked against the row's `query` and `body` specs together; the route layer does
   * not read the query string on its own, and `input.query` is empty.
   */
  argumentsInQuery?: boolean;
  /**
   * Headers about the caller, added to every answer of a call that reached the GraphQL API
   * with a valid token, errors included (e.g. Slack's `X-OAuth-Scopes`).
   */
  callerHeaders?(caller: { scopes: readonly string[] }): Readonly<Record<string, string>>;
  /**
   * For the OpenAPI document: the error body's schema, and the codes `readInput` refuses a row's body with
   * beyond PAYLOAD_TOO_LARGE (REST: UNSUPPORTED_MEDIA_TYPE). The error statuses are what `errorReply`
   * answers to the refusals each row can meet (openapi.ts).
   */
  openApi: { errorSchema: JsonSchema; bodyRefusals?: readonly string[] };
}

export interface RouteRow {
  method: HttpMethod;
  /** E.g. `/v2/clients/{client_id}/apps/{app_id}`: each `{name}` matches one path segment. */
  path: string;
  protocol: Protocol;
  summary: string;
  description?: string;
  deprecated?: boolean;
  /** Descriptions of the path parameters, for the OpenAPI document. */
  pathParams?: Readonly<Record<string, string>>;
  query?: ParamSpecs;
  body?: ParamSpecs;
  /** One GraphQL operation of the schema. */
  operation: string;
  variables(input: RouteInput): Record<string, unknown>;
  /** `data` is the operation's result data; only called when the operation raised no error. */
  respond(data: any, input: RouteInput): RouteReply;
  /**
   * Error codes this row's operation raises beyond those every row can meet (see openapi.ts), e.g.
   * CONFLICT for a stale `expected_version`: the OpenAPI document lists their statuses for this row only.
   */
  refusals?: readonly string[];
  /** Headers sent with every response of this row, errors included (e.g. `Deprecation`, `Link`). */
  headers?: Readonly<Record<string, string>>;
  /**
   * The success status and the JSON schema of its body (omit the schema for no body), for OpenAPI;
   * `otherStatuses`: other statuses `respond` can answer with, same body schema (e.g. 200 "nothing changed" next to 201).
   */
  response: { status: number; description: string; schema?: JsonSchema; otherStatuses?: readonly { status: number; description: string }[] };
}

/** Identity, for type-checking a row where it is written. */
export function route(row: RouteRow): RouteRow {
  return row;
}
