/**
 * Serves the route table from inside Yoga. A matched request runs its row's operation through
 * `getResultForParams`: the same onParams hooks, context (principal from the Authorization
 * header), parse/validate caches, limits, execution, error masking and onExecutionResult hooks
 * as a POST to /graphql. Request-level plugins (onRequest before this one, every onResponse)
 * see the REST request itself, once.
 */
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin, YogaServer } from 'graphql-yoga';
import type { Context } from '../context';
import { continueRequestRecord } from '../observability/request-log';
import type { RouteTable } from './compile';
import { openApiDocument, OPENAPI_PATH } from './openapi';
import { restProtocol } from './rest';
import { checkShape, queryValues } from './shapes';
import { RouteError, type Protocol, type RouteInput, type RouteReply, type RouteRow } from './table';

export interface RouteTableOptions {
  /** Largest request body a route reads; larger is PAYLOAD_TOO_LARGE (413 in REST). */
  maxBodyBytes: number;
  /**
   * Looks up the principal of the request a row runs (see usePrincipalLookup) before it runs: one
   * whose protocol read the token from the arguments is a request of its own, not looked up yet.
   */
  lookUpPrincipal?: (request: Request) => Promise<unknown>;
}

/** Yoga's own fetch classes (the whatwg-node ponyfill): faster on Node than the global ones. */
type FetchAPI = { Response: typeof Response; Request: typeof Request };

function toResponse(fetchAPI: FetchAPI, reply: RouteReply, row: RouteRow | null, extraHeaders?: Readonly<Record<string, string>>): Response {
  const status = reply.status ?? 200;
  const headers: Record<string, string> = { ...row?.headers, ...extraHeaders, ...reply.headers };
  if (status === 204 || reply.body === undefined) return new fetchAPI.Response(null, { status, headers });
  headers['content-type'] = 'application/json; charset=utf-8';
  return new fetchAPI.Response(JSON.stringify(reply.body), { status, headers });
}

/** The first GraphQL error of a result as a RouteError: its code, message and other extensions. */
function errorOf(error: GraphQLError): RouteError {
  const { code, ...details } = (error.extensions ?? {}) as Record<string, unknown>;
  return new RouteError(typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', error.message, details);
}

/**
 * The request Yoga sees for a row's operation: the caller's, unless the protocol read a token
 * from the arguments (it replaces the Authorization header) or a GET runs a mutation. Yoga
 * refuses mutations over GET, which protects /graphql, where the URL carries the operation; a
 * row's operation is fixed, and the row decides which HTTP methods run it (Slack's methods all
 * answer GET), so Yoga is handed a POST.
 */
function requestFor(fetchAPI: FetchAPI, request: Request, row: RouteRow, authorization?: string): Request {
  const mutationOverGet = request.method === 'GET' && /^\s*mutation\b/.test(row.operation);
  if (authorization === undefined && !mutationOverGet) return request;
  const headers = Object.fromEntries(request.headers);
  if (authorization !== undefined) headers.authorization = authorization;
  const derived = new fetchAPI.Request(request.url, { method: mutationOverGet ? 'POST' : request.method, headers, signal: request.signal });
  continueRequestRecord(request, derived);
  return derived;
}

export function useRouteTable(table: RouteTable, options: RouteTableOptions): Plugin {
  let yoga: YogaServer<Record<string, unknown>, Record<string, unknown>>;
  let openApi: string | null = null;

  let fetchAPI: FetchAPI;
  const refuse = (protocol: Protocol, error: RouteError, row: RouteRow | null) => toResponse(fetchAPI, protocol.errorReply(error), row);

  async function run(request: Request, row: RouteRow, input: RouteInput, serverContext: Record<string, unknown>, authorization?: string) {
    const yogaRequest = requestFor(fetchAPI, request, row, authorization);
    await options.lookUpPrincipal?.(yogaRequest);
    const result = (await yoga.getResultForParams(
      {
        params: { query: row.operation, variables: row.variables(input) },
        request: yogaRequest,
      },
      serverContext,
    )) as ExecutionResult;
    // Yoga builds the GraphQL context onto the server context: a valid token left its principal there.
    const principal = (serverContext as Partial<Context>).principal;
    const callerHeaders = principal && row.protocol.callerHeaders ? row.protocol.callerHeaders(principal) : undefined;
    const error = result.errors?.[0];
    if (error) return toResponse(fetchAPI, row.protocol.errorReply(errorOf(error)), row, callerHeaders);
    return toResponse(fetchAPI, row.respond(result.data, input), row, callerHeaders);
  }

  return {
    onYogaInit({ yoga: server }) {
      yoga = server as unknown as typeof yoga;
      fetchAPI = server.fetchAPI as unknown as FetchAPI;
    },
    async onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname === OPENAPI_PATH) {
        if (request.method !== 'GET') {
          const error = new RouteError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${url.pathname}`, { allow: ['GET'] });
          endResponse(refuse(restProtocol, error, null));
          return;
        }
        openApi ??= JSON.stringify(openApiDocument(table));
        endResponse(new fetchAPI.Response(openApi, { headers: { 'content-type': 'application/json; charset=utf-8' } }));
        return;
      }
      const match = table.match(url.pathname, request.method);
      if (!match) return;
      if (match.kind === 'unknown-path') {
        const message =
          `No route ${request.method} ${url.pathname}. ` +
          `The routes are listed at ${OPENAPI_PATH}; everything is also available through GraphQL at /graphql.`;
        endResponse(refuse(match.protocol, new RouteError('ROUTE_NOT_FOUND', message, { docs: OPENAPI_PATH, graphql: '/graphql' }), null));
        return;
      }
      if (match.kind === 'method-not-allowed') {
        const message = `${request.method} is not allowed on ${url.pathname}; use ${match.allow.join(' or ')}`;
        endResponse(refuse(match.protocol, new RouteError('METHOD_NOT_ALLOWED', message, { allow: match.allow }), null));
        return;
      }
      const { row } = match.route;
      try {
        const read = await row.protocol.readInput(request, row, options.maxBodyBytes);
        const input: RouteInput = row.protocol.argumentsInQuery
          ? { path: match.path, query: {}, body: checkShape({ ...row.query, ...row.body }, read.body, 'body key', read.bodyIsText) }
          : {
              path: match.path,
              query: checkShape(row.query ?? {}, queryValues(url), 'query parameter', true),
              body: checkShape(row.body ?? {}, read.body, 'body key', read.bodyIsText),
            };
        endResponse(await run(request, row, input, serverContext as Record<string, unknown>, read.authorization));
      } catch (error) {
        if (error instanceof RouteError) {
          endResponse(refuse(row.protocol, error, row));
          return;
        }
        // The client went away (or the server cut a request that did not arrive in time): no one to tell.
        if (request.signal?.aborted || (error as { code?: unknown }).code === 'ECONNRESET') {
          endResponse(new fetchAPI.Response(null, { status: 400 }));
          return;
        }
        console.error(`route ${row.method} ${row.path} failed:`, error);
        endResponse(refuse(row.protocol, new RouteError('INTERNAL_SERVER_ERROR', 'Unexpected error.'), row));
      }
    },
  };
}
