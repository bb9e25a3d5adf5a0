import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context';
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
 * One `"msg":"request"` line per GraphQL request (other paths, like /health,
 * at debug): request id, operation, token id (never the secret), duration,
 * outcome. The request id comes from `X-Request-Id` when sane, else is
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
          if (!('errors' in result) || !result.errors) return;
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
