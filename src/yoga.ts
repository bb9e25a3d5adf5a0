import { getOperationAST, GraphQLError } from 'graphql';
import { createYoga, maskError as maskUnexpectedError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { usePrincipalLookup } from './auth/principal-lookup';
import { requestPrincipal } from './auth/tokens';
import { useTrustedDocuments } from './auth/trusted-documents';
import { defaultLimits, loadConfig, type Config, type RequestLimits } from './config';
import { createContext, type Context } from './context';
import { sqliteBackend, type Backend } from './backend';
import { withWriteRetry } from './db/busy';
import type { DatabaseFile, Db } from './db/open';
import type { Writer } from './db/writer';
import type { Store } from './store/store';
import { AppgovError } from './errors';
import { useSelectionOrderExecution } from './execution';
import { maxRouteBodyBytes, ROUTES, routeTable } from './routes';
import type { RouteTable } from './routes/compile';
import { useRouteTable } from './routes/plugin';
import { useGraphiQLPage } from './graphiql';
import { useRateLimit } from './rate-limit';
import { createLogger, type Logger } from './observability/logger';
import { useMetricsEndpoint, type AppgovMetrics } from './observability/metrics';
import { noteUnexpectedError, requestIdOfError, useRequestLog } from './observability/request-log';
import { useDocumentLimits } from './limits/document';
import { useIntrospectionCost } from './limits/introspection';
import { useMutationLimits } from './limits/mutations';
import { boundedParserCache } from './limits/parse-cache';
import { usePreflight } from './limits/preflight';
import { useBodyLimit, useRequestReading } from './limits/request';
import { useStringRule } from './limits/strings';
import { schema } from './schema';
import { hubFor, type EventHub } from './live/hub';

export type AppgovYoga = YogaServerInstance<Record<string, never>, Context>;

export interface YogaOptions {
  /** The store to serve: Postgres or SQLite (src/backend.ts). Without it, `db`'s SQLite store with `file`, `writer`, `scanner`, `store`. */
  backend?: Backend;
  /** The SQLite database to serve when no `backend` is given. */
  db?: Db;
  /**
   * Settings not given take their defaults (loadConfig of an empty environment), except the
   * per-token rate limits: they apply when any of them is given, as the server always does
   * (tests and benchmarks that build a Yoga of their own are not throttled). Request limits
   * not given take their defaults for this maxBulkIds.
   */
  config: Pick<Config, 'maxBulkIds'> & Partial<Omit<Config, 'limits'>> & { limits?: Partial<RequestLimits> };
  /** The database file as opened, so /health can tell when it was deleted or replaced. */
  file?: DatabaseFile | null;
  /** Pre-fills GraphiQL's headers with this token: only for a freshly seeded demo served on loopback. */
  graphiqlToken?: string;
  /**
   * Operation texts the server sends through this pipeline on a caller's behalf (the REST and
   * Slack routes' fixed operations): with APPGOV_TRUSTED_DOCUMENTS they run for every token kind.
   */
  serverOperations?: readonly string[];
  /** The client the GraphiQL example operation names. */
  graphiqlClientId?: string;
  /** The HTTP routes to serve; default: every row of `src/routes` (tests pass their own). */
  routes?: RouteTable;
  /** Structured logs, and then one line per request with its request id. Without: unexpected errors only, to stderr. */
  logger?: Logger;
  /** Collect Prometheus metrics (per server registry). */
  metrics?: AppgovMetrics;
  /** With `metrics`: serve them at /metrics to this bearer secret. */
  metricsToken?: string;
  /** The OpenTelemetry plugin, when tracing is configured (see observability/tracing.ts). */
  tracing?: Plugin;
  /** Where the bulk decision writes run (src/db/writer.ts); default: on this thread, on `db`. */
  writer?: Writer;
  /** Where the priced catalog searches run (startScanner in src/db/writer.ts); default: on this thread, on `db`. */
  scanner?: Writer;
  /** The store the schema, the loaders, the routes and the principal lookup use; default: the SQLite store on `db`. */
  store?: Store;
  /**
   * The live streams' hub (subscriptions): the server passes its own, to close it on shutdown;
   * without, one is made here (its poll runs only while a stream is open).
   */
  live?: EventHub;
  /** The server's webhook runner: told after each mutation, so a commit's deliveries start at once. */
  webhooks?: { nudge(): void };
  /** The parse cache to use (tests and the bench inspect it); by default one bounded by `limits.parseCacheBytes`. */
  parserCache?: ReturnType<typeof boundedParserCache>;
}

function domainErrorOf(error: unknown): AppgovError | null {
  if (error instanceof AppgovError) return error;
  if (error instanceof Error && 'originalError' in error && error.originalError) return domainErrorOf(error.originalError);
  return null;
}

/**
 * The schema edge for errors: a domain error becomes a GraphQL error with
 * `extensions.code` (UNAUTHENTICATED also sets HTTP 401 and
 * WWW-Authenticate). Anything unexpected is masked by Yoga's own masking
 * (INTERNAL_SERVER_ERROR, no message, no stack) and logged to stderr. Masking
 * is the same in every mode (`isDev` is ignored): Yoga's development mode
 * would add `extensions.originalError` (SQL, file paths) to the answer.
 */
function toClientError(error: unknown, message: string): Error {
  const domain = domainErrorOf(error);
  if (!domain) return maskUnexpectedError(error, message, false);
  const located = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(located?.message ?? domain.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: {
      code: domain.code,
      ...domain.details,
      ...(domain.code === 'UNAUTHENTICATED' ? { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } : {}),
    },
  });
}

/**
 * Yoga's own log calls, into the structured log. Expected domain errors (bad input, 401, …)
 * are answers, not incidents: not logged. An unexpected error is logged whole, with the
 * request id it happened in; the client saw only "Unexpected error.".
 */
function yogaLogging(logger: Logger) {
  // Yoga logs a few debug lines per request: when debug is off, not even their arguments are packed.
  const debugEnabled = logger.isLevelEnabled('debug');
  return {
    debug: debugEnabled ? (...args: unknown[]) => logger.debug({ args }, 'yoga') : () => {},
    info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => {
      const [error] = args;
      if (args.length === 1 && domainErrorOf(error)) return;
      const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      logger.error({ requestId: requestIdOfError(error), err: cause }, 'unexpected error');
    },
  };
}

/**
 * graphql-js reports a variable that does not fit its type ("Variable "$appIds" got invalid
 * value null at "appIds[1]"…") without a code. It is bad input like any other: BAD_USER_INPUT.
 */
function useVariableErrorCodes(): Plugin {
  const tag = (error: GraphQLError) =>
    error.extensions?.code === undefined && error.message.startsWith('Variable "$')
      ? new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
        })
      : error;
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (!('errors' in result) || !result.errors?.length) return;
        setResult({ ...result, errors: result.errors.map(tag) });
      },
    }),
  };
}

/**
 * After a mutation ends (committed or refused: a refused one wrote nothing, and a look costs one
 * statement), this instance's live streams compare their heads at once instead of at the next
 * poll. Every REST, Slack and assignment route runs a mutation through here too.
 */
function useLiveNudge(hub: EventHub, webhooks?: { nudge(): void }): Plugin {
  // The server's webhook runner is told too: the commit's deliveries start now, not at its next poll.
  return {
    onExecute: ({ args }) => {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      return {
        onExecuteDone: () => {
          hub.nudge();
          webhooks?.nudge();
        },
      };
    },
  };
}

/**
 * GET /health: 200 when the database answers and takes writes, else 503; the JSON says which check
 * failed (the file, reads and writes on SQLite: db/health.ts; the server, its role and a write on
 * Postgres: store/postgres/health.ts). Writes at most one row a second.
 */
function useDatabaseHealth(backend: Backend): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const health = await backend.health();
      if (health.problems.length) console.error(`health: ${health.problems.join('; ')}`);
      endResponse(
        new fetchAPI.Response(JSON.stringify(health), {
          status: health.status === 'ok' ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}

/**
 * GET /: what a browser (or curl) opens first. Where the APIs are: a small HTML page for a browser,
 * the same as JSON for anything else. Static: it names no client, token or database.
 */
function useFrontDoor(graphiql: boolean): Plugin {
  const links = {
    graphql: '/graphql',
    graphiql: graphiql ? '/graphql' : null,
    openapi: '/v2/openapi.json',
    health: '/health',
  };
  const json = JSON.stringify({ service: 'appgov', ...links });
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>appgov</title></head><body>',
    '<h1>appgov</h1><p>An app-governance API: approve, restrict and assign third-party apps, with the full history of every decision.</p><ul>',
    graphiql ? '<li><a href="/graphql">GraphiQL</a>: the GraphQL API in the browser (POST /graphql for clients)</li>' : '<li>POST /graphql: the GraphQL API</li>',
    '<li><a href="/v2/openapi.json">/v2/openapi.json</a>: the approvals REST API, the Slack-compatible API and the assignment API (OpenAPI 3.1)</li>',
    '<li><a href="/health">/health</a>: whether the database answers</li>',
    '</ul></body></html>',
  ].join('');
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/' || request.method !== 'GET') return;
      const wantsHtml = (request.headers.get('accept') ?? '').includes('text/html');
      endResponse(
        new fetchAPI.Response(wantsHtml ? html : json, {
          status: 200,
          headers: { 'content-type': wantsHtml ? 'text/html; charset=utf-8' : 'application/json', vary: 'Accept' },
        }),
      );
    },
  };
}

/**
 * The response headers browser code may read besides the CORS-safelisted ones: v1's deprecation
 * headers, `Retry-After` (429, 503), the request id, and the Slack routes' scope headers.
 */
export const CORS_EXPOSED_HEADERS = ['Deprecation', 'Sunset', 'Link', 'Retry-After', 'X-Request-Id', 'X-OAuth-Scopes', 'X-Accepted-OAuth-Scopes'];

/** CORS only for the configured origins (credentials allowed for those alone); no CORS at all by default. */
function corsFor(origins: readonly string[]) {
  if (origins.length === 0) return false as const;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !origins.includes(origin)) return false as const;
    return {
      origin,
      credentials: true,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    };
  };
}

export const TOKEN_HINT = `# Send a token: in the Headers tab below, {"Authorization": "Bearer <token>"}.
# No token yet? Make one with: npx appgov token create --kind internal --name me
`;

/**
 * GraphiQL's pre-filled example: one operation, so one click on ▶ runs it. It asks
 * for `changed`, so running it again shows the idempotency.
 */
export const EXAMPLE_OPERATION = (clientId: string, options: { tokenHint?: boolean } = {}) => `${options.tokenHint ? TOKEN_HINT : ''}# Approve two apps for one client. Run it twice: the second call succeeds,
# \`changed\` is empty and nothing is written (idempotent).
# The last id is well-formed but not in the catalog: it comes back in \`failed\`.
mutation Approve {
  approveApps(
    clientId: "${clientId}"
    appIds: ["f1a2b3c4-d5e6-7890-abcd-ef1234567890", "3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b", "ffffffff-ffff-ffff-ffff-ffffffffffff"]
  ) {
    succeeded
    changed
    failed { id error code }
  }
}
`;

/** With no client to name yet, the example asks who the token is. */
export const EXAMPLE_WITHOUT_CLIENT = `${TOKEN_HINT}# There is no client yet: npx appgov client create --name "Acme"
{
  viewer { id kind name scopes }
}
`;

/**
 * The example names the given client, else the one the database has (the demo
 * client first), so GraphiQL opens with a working example after a restart too;
 * without a token in its headers, the example says how to get one.
 */
export async function graphiqlDefaultQuery(backend: Pick<Backend, 'exampleClientId'>, options: Pick<YogaOptions, 'graphiqlClientId' | 'graphiqlToken'>): Promise<string> {
  const clientId = options.graphiqlClientId ?? (await backend.exampleClientId());
  const tokenHint = !options.graphiqlToken;
  return clientId ? EXAMPLE_OPERATION(clientId, { tokenHint }) : EXAMPLE_WITHOUT_CLIENT;
}

/** APPGOV_TRUSTED_DOCUMENTS set: only the manifest's operations for the configured token kinds. */
function useTrustedDocumentsIfConfigured({ config, serverOperations }: YogaOptions): Plugin {
  if (!config.trustedDocuments) return {};
  return useTrustedDocuments({
    documents: config.trustedDocuments,
    kinds: config.trustedDocumentsFor ?? ['client'],
    ...(serverOperations ? { serverOperations } : {}),
  });
}

const RATE_LIMIT_SETTINGS = ['rateLimitPerSecond', 'rateLimitBurst', 'maxInFlightPerToken', 'maxQueuedPerToken', 'queueWaitMs'] as const;

/** The backend to serve: the one given, else SQLite on `db` (with the writer, scanner and store given for it). */
function backendOf(options: YogaOptions): Backend {
  if (options.backend) return options.backend;
  if (!options.db) throw new Error('createAppgovYoga needs a backend or a SQLite db');
  const sqlite = sqliteBackend(options.db, {
    ...(options.file !== undefined ? { file: options.file } : {}),
    ...(options.writer ? { writer: options.writer } : {}),
    ...(options.scanner ? { scanner: options.scanner } : {}),
  });
  return options.store ? { ...sqlite, store: options.store } : sqlite;
}

export function createAppgovYoga(options: YogaOptions): AppgovYoga {
  const backend = backendOf(options);
  const { store } = backend;
  const config = { ...loadConfig({}), ...options.config };
  const limits = { ...defaultLimits(config.maxBulkIds), ...options.config.limits };
  const logger = options.logger ?? createLogger({ level: 'error' });
  const observability: Plugin[] = [
    ...(options.logger ? [useRequestLog({ logger: options.logger, metrics: options.metrics }) as Plugin] : []),
    ...(options.metrics && options.metricsToken ? [useMetricsEndpoint(options.metrics, options.metricsToken)] : []),
    ...(options.tracing ? [options.tracing] : []),
  ];
  const live = options.live ?? hubFor(backend, config, (error) => logger.error({ err: error }, 'live events'));
  options.metrics?.watchLiveStreams(() => live.size);
  return createYoga<Record<string, never>, Context>({
    schema: withWriteRetry(schema, config.writeWaitMs),
    context: async ({ request }) => {
      try {
        const context = await createContext(backend, config, request);
        if (options.metrics) context.metrics = options.metrics;
        context.live = live;
        return context;
      } catch (error) {
        if (!domainErrorOf(error)) noteUnexpectedError(error, request);
        throw error;
      }
    },
    graphqlEndpoint: '/graphql',
    // Yoga's own check only proves the process is up; /health (below) also asks the database.
    healthCheckEndpoint: '/livez',
    landingPage: false,
    maskedErrors: { maskError: toClientError },
    // A trusted document is named by `documentId` (GraphQL over HTTP's persisted documents).
    ...(config.trustedDocuments ? { extraParamNames: ['documentId'] } : {}),
    // Bounded by useBodyLimit (below), which reads the body without a stream pipeline.
    maxRequestBodySize: false,
    parserAndValidationCache: options.parserCache ?? boundedParserCache(limits.parseCacheBytes),
    logging: yogaLogging(logger),
    cors: corsFor(config.corsOrigins),
    // GraphiQL is served by useGraphiQLPage (inline bundle, compressed, cacheable) when enabled.
    graphiql: false,
    // useRouteTable stays last: every request-level plugin before it also runs for REST calls.
    plugins: [
      usePrincipalLookup(store.resolvePrincipal),
      ...observability,
      useSelectionOrderExecution(),
      useLiveNudge(live, options.webhooks),
      useDatabaseHealth(backend),
      useFrontDoor(config.graphiql),
      useRequestReading(limits),
      // After the parsers are chosen (Yoga's own limit is off: see useBodyLimit).
      useBodyLimit(limits.maxBodyBytes),
      useVariableErrorCodes(),
      ...(RATE_LIMIT_SETTINGS.some((name) => options.config[name] !== undefined)
        ? [
            useRateLimit(config, {
              resolvePrincipal: store.resolvePrincipal,
              ...(backend.sharedBudget ? { shared: backend.sharedBudget } : {}),
              table: options.routes ?? routeTable,
              ...(options.metrics ? { onRefused: () => options.metrics!.recordRateLimited() } : {}),
            }),
          ]
        : []),
      ...(config.graphiql
        ? [
            useGraphiQLPage({
              title: 'appgov',
              defaultQuery: () => graphiqlDefaultQuery(backend, options),
              ...(options.graphiqlToken ? { headers: JSON.stringify({ Authorization: `Bearer ${options.graphiqlToken}` }) } : {}),
            }),
          ]
        : []),
      // The routes' own fixed operations are trusted: they run on a caller's behalf, whatever the token kind.
      useTrustedDocumentsIfConfigured({ ...options, config, serverOperations: options.serverOperations ?? ROUTES.map((r) => r.operation) }),
      useDocumentLimits(limits),
      useStringRule(),
      useIntrospectionCost(limits.maxIntrospectionValues),
      useMutationLimits({ ...limits, maxBulkIds: config.maxBulkIds }),
      usePreflight(),
      useRouteTable(options.routes ?? routeTable, {
        maxBodyBytes: maxRouteBodyBytes(config.maxBulkIds),
        lookUpPrincipal: (request) => requestPrincipal(store.resolvePrincipal, request).catch(() => null),
      }),
    ],
  });
}
