import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context';
import { AppgovError } from '../errors';
import type { Logger } from './logger';
import type { AppgovMetrics } from './metrics';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's id is kept only when it is short and cannot break a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;
/** Operation labels for requests that ran no named operation. */
export const NO_OPERATION = '(none)';
export const ANONYMOUS_OPERATION = '(anonymous)';

export function requestIdFrom(header: string | null): string {
  return header !== null && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

interface RequestRecord {
  id: string;
  start: number;
  /** The executed operation's name; null for anonymous, or when nothing was executed. */
  operation: string | null;
  operationType: string | null;
  executed: boolean;
  tokenId: string | null;
  /** The error codes of the GraphQL result, in order; null when the request had no GraphQL result. */
  errorCodes: string[] | null;
}

const records = new WeakMap<Request, RequestRecord>();
/** Unexpected errors, by the id of the request they happened in, so their log line can name it. */
const unexpectedErrorRequests = new WeakMap<object, string>();

function recordOf(request: Request): RequestRecord {
  let record = records.get(request);
  if (!record) {
    record = {
      id: requestIdFrom(request.headers.get(REQUEST_ID_HEADER)),
      start: performance.now(),
      operation: null,
      operationType: null,
      executed: false,
      tokenId: null,
      errorCodes: null,
    };
    records.set(request, record);
  }
  return record;
}

/**
 * A request made for another (a route's operation run with the token its arguments carried): it
 * shares the original's record, so the original's one line names what ran.
 */
export function continueRequestRecord(original: Request, derived: Request): void {
  records.set(derived, recordOf(original));
}

/** The codes of a result before masking: an error with no code that some code threw is INTERNAL_SERVER_ERROR, as masking will make it. */
function unmaskedCodesOf(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => {
    const code = error.extensions?.code;
    if (typeof code === 'string') return code;
    if (error.originalError instanceof AppgovError) return error.originalError.code;
    return error.originalError && !(error.originalError instanceof GraphQLError) ? 'INTERNAL_SERVER_ERROR' : 'UNKNOWN';
  });
}

/** The path of a request to anything but /graphql (a route's call), or null. */
function routePath(request: Request): string | null {
  const path = new URL(request.url).pathname;
  return path === '/graphql' ? null : path;
}

/** The id of the request an unexpected error was noted in, if any. */
export function requestIdOfError(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? unexpectedErrorRequests.get(error) : undefined;
}

/** Ties an error about to be masked to its request, so the error's log line carries the request id. */
export function noteUnexpectedError(error: unknown, request: Request): void {
  if (typeof error === 'object' && error !== null) unexpectedErrorRequests.set(error, recordOf(request).id);
}

function errorCodesOf(result: unknown): string[] {
  const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
  const codes: string[] = [];
  for (const one of results) {
    for (const error of one?.errors ?? []) {
      const code = error.extensions?.code;
      codes.push(typeof code === 'string' ? code : 'UNKNOWN');
    }
  }
  return codes;
}

/** "ok", or the code an operator most needs to see: INTERNAL_SERVER_ERROR first, else the first error's. */
export function outcomeOf(codes: readonly string[]): string {
  if (codes.length === 0) return 'ok';
  return codes.includes('INTERNAL_SERVER_ERROR') ? 'INTERNAL_SERVER_ERROR' : codes[0]!;
}

/**
 * One `"msg":"request"` line per request that ran a GraphQL operation: a
 * POST or GET to /graphql, a subscription, and a call of the REST, Slack or
 * assignment routes (each runs its row's operation); other paths, like
 * /health, at debug. It has the request id, operation, token id (never the
 * secret), duration and outcome. The request id comes from `X-Request-Id` when sane, else is
 * generated, and is returned in the `X-Request-Id` response header. With
 * `metrics`, the same figures feed the request counters.
 */
export function useRequestLog(options: { logger: Logger; metrics?: AppgovMetrics | undefined }): Plugin<Context> {
  const { logger, metrics } = options;
  // The level is fixed for the server's life: decide once whether request lines are built at all.
  const infoEnabled = logger.isLevelEnabled('info');
  return {
    onRequest({ request }) {
      recordOf(request);
    },
    // The operation as parsed, for requests refused before they run (validation, limits).
    onParse({ context }) {
      const { request, params } = context as { request: Request; params?: { operationName?: string | null } };
      return ({ result }) => {
        if (!(result instanceof Error) && result && 'kind' in result) {
          const operation = getOperationAST(result, params?.operationName);
          const record = recordOf(request);
          record.operation = operation?.name?.value ?? null;
          record.operationType = operation?.operation ?? null;
        }
      };
    },
    // A subscription runs no onExecute: its stream is the request, named and attributed the same way.
    onSubscribe({ args }) {
      const record = recordOf(args.contextValue.request);
      const operation = getOperationAST(args.document, args.operationName);
      record.executed = true;
      record.operation = operation?.name?.value ?? null;
      record.operationType = operation?.operation ?? null;
      record.tokenId = args.contextValue.principal?.tokenId ?? null;
    },
    onExecute({ args }) {
      const request = args.contextValue.request;
      const record = recordOf(request);
      const operation = getOperationAST(args.document, args.operationName);
      record.executed = true;
      record.operation = operation?.name?.value ?? null;
      record.operationType = operation?.operation ?? null;
      record.tokenId = args.contextValue.principal?.tokenId ?? null;
      return {
        // Runs before error masking (Yoga adds it after our plugins): the original errors are still here.
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          // A route's operation has no result processing of its own (its protocol writes the
          // response): its outcome is this. A /graphql request's is replaced by the processed one.
          record.errorCodes = unmaskedCodesOf(result);
          if (!result.errors) return;
          for (const error of result.errors) {
            if (error instanceof GraphQLError && error.originalError && !(error.originalError instanceof GraphQLError)) {
              unexpectedErrorRequests.set(error, record.id);
            }
          }
        },
      };
    },
    onResultProcess({ request, result }) {
      recordOf(request).errorCodes = errorCodesOf(result);
    },
    onResponse({ request, response }) {
      const record = recordOf(request);
      response.headers.set(REQUEST_ID_HEADER, record.id);
      const durationMs = performance.now() - record.start;
      if (record.errorCodes === null) {
        if (logger.isLevelEnabled('debug')) {
          logger.debug({ requestId: record.id, method: request.method, path: new URL(request.url).pathname, status: response.status, durationMs }, 'request');
        }
        return;
      }
      const outcome = outcomeOf(record.errorCodes);
      if (infoEnabled) {
        logger.info(
          {
            requestId: record.id,
            operation: record.operation,
            operationType: record.operationType,
            // A route's call names its path (never the query string, which may carry a token).
            ...(routePath(request) ? { path: routePath(request) } : {}),
            tokenId: record.tokenId,
            status: response.status,
            durationMs: Math.round(durationMs * 100) / 100,
            outcome: outcome === 'ok' ? 'ok' : 'error',
            ...(outcome === 'ok' ? {} : { errorCodes: [...new Set(record.errorCodes)] }),
          },
          'request',
        );
      }
      metrics?.observeRequest(
        record.executed ? (record.operation ?? ANONYMOUS_OPERATION) : NO_OPERATION,
        outcome,
        durationMs / 1000,
      );
    },
  };
}
