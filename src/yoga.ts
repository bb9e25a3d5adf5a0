import { sql } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as maskUnexpectedError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { defaultLimits, type Config, type RequestLimits } from './config';
import { createContext, type Context } from './context';
import type { Db } from './db/open';
import { AppgovError } from './errors';
import { useDocumentLimits } from './limits/document';
import { useIntrospectionCost } from './limits/introspection';
import { useMutationLimits } from './limits/mutations';
import { boundedParserCache } from './limits/parse-cache';
import { usePreflight } from './limits/preflight';
import { useWellFormedStrings } from './limits/strings';
import { schema } from './schema';

export type AppgovYoga = YogaServerInstance<Record<string, never>, Context>;

export interface YogaOptions {
  db: Db;
  /** `limits` defaults to the documented defaults for this maxBulkIds. */
  config: Pick<Config, 'maxBulkIds'> & { limits?: Partial<RequestLimits> };
  /** Pre-fills GraphiQL's headers with this token: only for a freshly seeded local demo. */
  graphiqlToken?: string;
  /** The client the GraphiQL example operation names. */
  graphiqlClientId?: string;
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

/** Logs go to stderr. Expected domain errors (bad input, 401, …) are answers, not incidents: not logged. */
const stderrLogger = {
  debug: () => {},
  info: (...args: unknown[]) => console.error(...args),
  warn: (...args: unknown[]) => console.error(...args),
  error: (...args: unknown[]) => {
    if (args.length === 1 && domainErrorOf(args[0])) return;
    console.error(...args);
  },
};

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

/** GET /health: 200 {"status":"ok"} when the database answers, else 503. */
function useDatabaseHealth(db: Db): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      let ok = true;
      try {
        db.get(sql`SELECT 1`);
      } catch (error) {
        ok = false;
        console.error('health check failed:', error);
      }
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }), {
          status: ok ? 200 : 503,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}

export const EXAMPLE_OPERATION = (clientId: string) => `# Approve two apps for the demo client. Run it twice:
# the second call succeeds and writes nothing (idempotent).
# The last id is well-formed but not in the catalog.
mutation Approve {
  approveApps(
    clientId: "${clientId}"
    appIds: ["f1a2b3c4-d5e6-7890-abcd-ef1234567890", "3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b", "ffffffff-ffff-ffff-ffff-ffffffffffff"]
  ) {
    succeeded
    failed { id error code }
  }
}

query Apps {
  client(id: "${clientId}") {
    name
    apps(first: 10) {
      nodes {
        name isApproved approvedAt
        history(first: 3) { nodes { type createdAt actor { name } ... on ApprovalStatusChangedEvent { wasApproved isApproved } } }
      }
    }
  }
}
`;

export function createAppgovYoga(options: YogaOptions): AppgovYoga {
  const { db, config } = options;
  const limits = { ...defaultLimits(config.maxBulkIds), ...config.limits };
  return createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request }) => createContext(db, config, request),
    graphqlEndpoint: '/graphql',
    // Yoga's own check only proves the process is up; /health (below) also asks the database.
    healthCheckEndpoint: '/livez',
    landingPage: false,
    maskedErrors: { maskError: toClientError },
    maxRequestBodySize: limits.maxBodyBytes,
    parserAndValidationCache: options.parserCache ?? boundedParserCache(limits.parseCacheBytes),
    logging: stderrLogger,
    // Yoga's default page loads GraphiQL from a CDN; this one carries it inline, so the explorer
    // works on machines without internet access too. The bundle is 9 MB: loaded on first use only.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: {
      title: 'appgov',
      ...(options.graphiqlClientId ? { defaultQuery: EXAMPLE_OPERATION(options.graphiqlClientId) } : {}),
      ...(options.graphiqlToken ? { headers: JSON.stringify({ Authorization: `Bearer ${options.graphiqlToken}` }) } : {}),
    },
    plugins: [
      useDatabaseHealth(db),
      useVariableErrorCodes(),
      useDocumentLimits(limits),
      useWellFormedStrings(),
      useIntrospectionCost(limits.maxIntrospectionValues),
      useMutationLimits({ ...limits, maxBulkIds: config.maxBulkIds }),
      usePreflight(),
    ],
  });
}
