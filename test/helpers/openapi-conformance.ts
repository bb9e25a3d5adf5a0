/**
 * Checks responses of the HTTP routes against /v2/openapi.json, the document the server serves
 * (generated from the same route table): the status must be documented for that route, the body
 * must match the status's schema, and every header the document marks required must be sent.
 * `rest()` (test/helpers/rest.ts) runs every response through `checkRouteResponse`, so a route
 * whose answers drift from its document fails whichever test met the drift.
 *
 * A response on a path no row serves but a protocol owns (404 ROUTE_NOT_FOUND, 405 on a known
 * path) is checked against that protocol's error schema. Paths outside the route table (/graphql,
 * /health, the document itself, routes of a test's own table) are not checked.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { routeTable } from '../../src/routes';
import type { RouteTable } from '../../src/routes/compile';
import { OPENAPI_PATH, openApiDocument } from '../../src/routes/openapi';

type Doc = Record<string, any>;

let doc: Doc | undefined;
let ajv: InstanceType<typeof Ajv2020> | undefined;
const validators = new Map<string, ValidateFunction>();

/** The document exactly as GET /v2/openapi.json serves it. */
export function servedDocument(): Doc {
  doc ??= JSON.parse(JSON.stringify(openApiDocument(routeTable))) as Doc;
  return doc;
}

/** A JSON pointer into the document (`/paths/~1v2~1…/post/responses/200/…`). */
const pointer = (...segments: string[]) => segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function validatorAt(path: string): ValidateFunction {
  let validate = validators.get(path);
  if (!validate) {
    if (!ajv) {
      // strict: false: the document holds OpenAPI keywords (discriminator, example) that are not JSON Schema's.
      ajv = new Ajv2020({ strict: false, allErrors: true });
      (addFormats as unknown as (a: typeof ajv) => void)(ajv);
      ajv.addSchema(servedDocument(), 'openapi.json');
    }
    validate = ajv.compile({ $ref: `openapi.json#${path}` });
    validators.set(path, validate);
  }
  return validate;
}

/** Every (operation, status) a checked response had, e.g. `POST /v2/clients/{client_id}/apps/approval 200`. */
export const seenResponses = new Set<string>();

export interface CheckedResponse {
  method: string;
  /** The request URL or path (a query string is ignored). */
  url: string;
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null for an empty one. */
  body: unknown;
}

function fail(what: string, response: CheckedResponse, problem: string): never {
  throw new Error(
    `${response.method} ${response.url} answered ${response.status}, which /v2/openapi.json does not describe: ${problem}\n` +
      `body: ${JSON.stringify(response.body)?.slice(0, 2000)}\n(${what})`,
  );
}

function checkBody(schemaPath: string, response: CheckedResponse, what: string): void {
  const validate = validatorAt(schemaPath);
  if (!validate(response.body)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
    fail(what, response, errors.slice(0, 8).join('; '));
  }
}

/** Throws when the response is not what the document says `method url` answers with `status`. */
export function checkRouteResponse(response: CheckedResponse, table: RouteTable = routeTable): void {
  const pathname = new URL(response.url, 'http://appgov.test').pathname;
  const method = response.method.toUpperCase();
  if (pathname === OPENAPI_PATH) return;
  const match = table.match(pathname, method);
  if (!match) return;
  const document = servedDocument();
  if (match.kind !== 'route') {
    const schemaName = `${match.protocol.name}Error`;
    if (!document.components.schemas[schemaName]) fail(`protocol ${match.protocol.name}`, response, `no schema ${schemaName}`);
    // Every operation of a known path documents the 405 (and the protocol's 404) it answers.
    if (match.kind === 'method-not-allowed') {
      for (const route of table.routes) {
        if (route.pattern.test(pathname)) seenResponses.add(`${route.row.method} ${route.row.path} ${response.status}`);
      }
    }
    checkBody(pointer('components', 'schemas', schemaName), response, `no route: the ${match.protocol.name} error body`);
    return;
  }
  const { row } = match.route;
  const operation = document.paths[row.path]?.[method.toLowerCase()];
  if (!operation) fail(`${method} ${row.path}`, response, 'the operation is not in the document');
  const documented = operation.responses[String(response.status)];
  const what = `${method} ${row.path}`;
  if (!documented) fail(what, response, `status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
  seenResponses.add(`${what} ${response.status}`);
  for (const [name, header] of Object.entries<Record<string, any>>(documented.headers ?? {})) {
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required) fail(what, response, `the required header ${name} is missing`);
      continue;
    }
    const validate = validatorAt(pointer('paths', row.path, method.toLowerCase(), 'responses', String(response.status), 'headers', name, 'schema'));
    if (!validate(value)) fail(what, response, `header ${name}: ${JSON.stringify(value)} ${validate.errors?.[0]?.message}`);
  }
  const content = documented.content?.['application/json'];
  if (!content) {
    if (response.body !== null) fail(what, response, 'the document says this status has no body');
    return;
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) fail(what, response, `content-type ${JSON.stringify(type)}, documented application/json`);
  checkBody(pointer('paths', row.path, method.toLowerCase(), 'responses', String(response.status), 'content', 'application/json', 'schema'), response, what);
}

/** Every (operation, status) pair the document lists. */
export function documentedResponses(): string[] {
  return Object.entries<Record<string, any>>(servedDocument().paths).flatMap(([path, operations]) =>
    Object.entries<Record<string, any>>(operations).flatMap(([method, operation]) =>
      Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
    ),
  );
}
