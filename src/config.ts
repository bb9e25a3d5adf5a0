import { DEFAULT_MAX_SCAN_ROWS } from './services/catalog-scan';
import { resolve } from 'node:path';
import { readTrustedDocuments, type TrustedDocuments } from './auth/trusted-documents';
import { TOKEN_KINDS, type TokenKind } from './db/schema';
import { LOG_LEVELS, type LogLevel } from './observability/logger';

/**
 * Environment → one typed, validated config object. Read once at start; a bad
 * value stops the start with a message that names the variable.
 */
export interface Config {
  host: string;
  port: number;
  /** SQLite file path, or `:memory:` (ignored when `databaseUrl` is set). */
  dbPath: string;
  /** APPGOV_DATABASE_URL: serve on this Postgres database instead of SQLite; null: SQLite at `dbPath`. */
  databaseUrl: string | null;
  /** APPGOV_DB_POOL_SIZE: Postgres connections this instance may hold. */
  dbPoolSize: number;
  /** Most distinct app ids one bulk call may name. */
  maxBulkIds: number;
  /** Catalog rows one request may read for Client.apps searches (the rest is index seeks). */
  maxScanRows: number;
  /** Write one `sql …` line per executed statement to stderr. */
  logSql: boolean;
  /** NODE_ENV=production: no demo data, no GraphiQL defaults with a token. */
  production: boolean;
  /** APPGOV_TRUSTED_DOCUMENTS: the manifest's documents (id → operation), or null when unset. */
  trustedDocuments: TrustedDocuments | null;
  /** APPGOV_TRUSTED_DOCUMENTS_FOR: the token kinds that may run only trusted documents. */
  trustedDocumentsFor: readonly TokenKind[];
  /** How long one SQLite call may wait (on the main thread, or in the writer thread) for another connection's write lock. */
  dbBusyTimeoutMs: number;
  /** How often the expiry sweeper looks for approvals whose end has passed (ms). */
  expiryIntervalMs: number;
  /** How often live streams (subscriptions) look for events committed by other processes (ms). */
  livePollMs: number;
  /** Open subscription streams one token may hold on one instance. */
  maxStreamsPerToken: number;
  /** Open subscription streams one remote address may hold on one instance. */
  maxStreamsPerAddress: number;
  /** Webhooks: how often an instance looks for lanes with work (ms); its own commits make it look at once. */
  webhookPollMs: number;
  /** Webhooks: the first retry's wait (ms), doubling per attempt up to webhookRetryCapMs. */
  webhookRetryBaseMs: number;
  /** Webhooks: the longest wait between two attempts (ms). */
  webhookRetryCapMs: number;
  /** Webhooks: attempts of one delivery before it is marked failed and the lane moves on. */
  webhookMaxAttempts: number;
  /** Webhooks: how long one attempt waits for the receiver's answer (ms). */
  webhookTimeoutMs: number;
  /** Webhooks: how long an instance holds a webhook's lane without renewing it (ms): a dead instance's lanes are taken over after this. */
  webhookLeaseMs: number;
  /** Webhooks: how long finished deliveries (delivered, failed) stay readable in Webhook.deliveries (days). */
  webhookRetentionDays: number;
  /** APPGOV_WEBHOOK_ALLOW_PRIVATE: allow webhook URLs on loopback, link-local and private addresses (refused by default). */
  webhookAllowPrivate: boolean;
  /** APPGOV_DB_SYNC: `synchronous` of every connection; full (default: a commit survives a power cut) or normal. */
  dbSync: DbSync;
  /** How long a mutation keeps retrying (asynchronously, with backoff) for the write lock before UNAVAILABLE. */
  writeWaitMs: number;
  /** APPGOV_WRITE_WORKER: run the bulk decision writes in a writer thread (file databases only; see src/db/writer.ts). */
  writeWorker: boolean;
  /** Origins allowed to call with CORS (credentials included); none by default. */
  corsOrigins: string[];
  /** Serve GraphiQL on GET /graphql from a browser. Default: on, except in production. */
  graphiql: boolean;
  /** Per-token budget: cost units refilled per second (a request costs 1 plus every id its list arguments name). */
  rateLimitPerSecond: number;
  /** Per-token bucket size: the burst a token may spend at once. */
  rateLimitBurst: number;
  /** Requests of one token executing at once; more wait in the token's queue. */
  maxInFlightPerToken: number;
  /** Requests of one token that may wait for an in-flight slot; more are refused with RATE_LIMITED. */
  maxQueuedPerToken: number;
  /** How long a queued request waits for a slot before it is refused with RATE_LIMITED. */
  queueWaitMs: number;
  /** Open HTTP connections; more are answered 503 and closed. */
  maxConnections: number;
  /** Open HTTP connections from one remote address; more are answered 429 and closed. */
  maxConnectionsPerAddress: number;
  /** Time to receive a whole request (headers and body). */
  requestTimeoutMs: number;
  /** Time to receive the request headers. */
  headersTimeoutMs: number;
  /** APPGOV_LOG_LEVEL: the least severe level written to stderr. */
  logLevel: LogLevel;
  /** APPGOV_METRICS_TOKEN: serve /metrics to this bearer secret; null: no metrics. */
  metricsToken: string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT is set: trace operations with OpenTelemetry. */
  tracing: boolean;
  /** Request-level limits, checked before anything executes (src/limits/). */
  limits: RequestLimits;
}

export interface RequestLimits {
  /** Largest HTTP request body; the default fits a bulk call naming maxBulkIds ids as literals. */
  maxBodyBytes: number;
  /** Most lexical tokens one document may hold (each literal id is one token). */
  maxTokens: number;
  /** Most nested `{`, `[` and `(` in one document, introspection included. */
  maxNesting: number;
  /** Most aliased fields in one document. */
  maxAliases: number;
  /** Most directives in one document. */
  maxDirectives: number;
  /** Most values the introspection part of one operation may return (a full introspection is about 3,400). */
  maxIntrospectionValues: number;
  /** Most mutation fields one request may hold. */
  maxMutationFields: number;
  /** Bytes the parse and validation cache may hold (estimated); longer documents are never cached. */
  parseCacheBytes: number;
}

/** APPGOV_DB_SYNC: how hard a commit is pushed to disk before it is acknowledged (src/db/open.ts, connectionPragmas). */
export const DB_SYNC_MODES = ['full', 'normal'] as const;
export type DbSync = (typeof DB_SYNC_MODES)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** APPGOV_DB when unset: relative to the folder the process runs in. */
export const DEFAULT_DB_PATH = './data/appgov.db';

/** The database as found from any folder: its file's absolute path (`:memory:` and `file:` URIs as given). */
export const databaseName = (dbPath: string) => (dbPath === ':memory:' || dbPath.startsWith('file:') ? dbPath : resolve(dbPath));

/** A Postgres URL as messages and logs name it: without its password (or any query parameter). */
export function redactedDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  parsed.search = '';
  return parsed.toString();
}

/** The database a server or a CLI command acts on, as its messages name it. */
export const databaseLabel = (config: Pick<Config, 'dbPath' | 'databaseUrl'>) =>
  config.databaseUrl ? redactedDatabaseUrl(config.databaseUrl) : databaseName(config.dbPath);

function integerVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`);
  }
  return value;
}

function booleanVar(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name} must be 1, 0, true or false; got "${env[name]}"`);
}

function trustedDocumentsVar(env: Env): TrustedDocuments | null {
  const path = env.APPGOV_TRUSTED_DOCUMENTS?.trim();
  if (!path) {
    if (env.APPGOV_TRUSTED_DOCUMENTS_FOR?.trim()) throw new ConfigError('APPGOV_TRUSTED_DOCUMENTS_FOR needs APPGOV_TRUSTED_DOCUMENTS (the manifest) to be set');
    return null;
  }
  try {
    return readTrustedDocuments(path);
  } catch (error) {
    throw new ConfigError(`APPGOV_TRUSTED_DOCUMENTS: ${(error as Error).message}`);
  }
}

function tokenKindsVar(env: Env, name: string, fallback: readonly TokenKind[]): readonly TokenKind[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const kinds = raw.split(',').map((kind) => kind.trim());
  if (kinds.some((kind) => !(TOKEN_KINDS as readonly string[]).includes(kind))) {
    throw new ConfigError(`${name} must be a comma-separated list of ${TOKEN_KINDS.join(', ')}; got "${raw}"`);
  }
  return [...new Set(kinds as TokenKind[])];
}

function optionalBooleanVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? fallback : booleanVar(env, name);
}

/** A comma-separated list of exact origins (scheme://host[:port]); a wildcard is refused. */
function originsVar(env: Env, name: string): string[] {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`${name} must be a comma-separated list of origins such as https://admin.example.com (no "*", no path); got "${origin}"`);
    }
    return origin;
  });
}

function logLevelVar(env: Env): LogLevel {
  const raw = env.APPGOV_LOG_LEVEL?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`APPGOV_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.APPGOV_LOG_LEVEL}"`);
  }
  return raw as LogLevel;
}

/** A secret guards /metrics on the public port: long enough not to guess, and sendable in a header. */
function metricsTokenVar(env: Env): string | null {
  const raw = env.APPGOV_METRICS_TOKEN;
  if (raw === undefined || raw === '') return null;
  if (!/^[\x21-\x7e]{24,256}$/.test(raw)) {
    throw new ConfigError('APPGOV_METRICS_TOKEN must be 24 to 256 printable characters without spaces');
  }
  return raw;
}

function dbSyncVar(env: Env): DbSync {
  const raw = env.APPGOV_DB_SYNC?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'full';
  if (!(DB_SYNC_MODES as readonly string[]).includes(raw)) throw new ConfigError(`APPGOV_DB_SYNC must be full or normal; got "${env.APPGOV_DB_SYNC}"`);
  return raw as DbSync;
}

/** The values NODE_ENV may take (or none): a typo such as `prod` would otherwise load demo data. */
const NODE_ENVS = ['production', 'development', 'test'];

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const dbPath = env.APPGOV_DB?.trim() || DEFAULT_DB_PATH;
  // Checked before anything opens it: SQLite would create and migrate "data" for "data/", then fail.
  if (/[\\/]$/.test(dbPath)) throw new ConfigError(`APPGOV_DB must name a file, not a folder; got "${dbPath}" (for example ${dbPath}appgov.db)`);
  if (env.NODE_ENV && !NODE_ENVS.includes(env.NODE_ENV)) {
    throw new ConfigError(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}, or unset; got "${env.NODE_ENV}"`);
  }
  const maxBulkIds = integerVar(env, 'APPGOV_MAX_BULK_IDS', 1000, 1, 100_000);
  const requestTimeoutMs = integerVar(env, 'APPGOV_REQUEST_TIMEOUT_MS', 30_000, 1000, 3_600_000);
  const headersTimeoutMs = integerVar(env, 'APPGOV_HEADERS_TIMEOUT_MS', 10_000, 1000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`APPGOV_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed APPGOV_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  const maxConnections = integerVar(env, 'APPGOV_MAX_CONNECTIONS', 1000, 1, 1_000_000);
  // A tenth of the cap: one client (or one address behind NAT) cannot take the whole of it.
  const maxConnectionsPerAddress = integerVar(env, 'APPGOV_MAX_CONNECTIONS_PER_ADDRESS', Math.ceil(maxConnections / 10), 1, 1_000_000);
  if (maxConnectionsPerAddress > maxConnections) {
    throw new ConfigError(`APPGOV_MAX_CONNECTIONS_PER_ADDRESS (${maxConnectionsPerAddress}) must not exceed APPGOV_MAX_CONNECTIONS (${maxConnections})`);
  }
  const webhookTimeoutMs = integerVar(env, 'APPGOV_WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000);
  const webhookLeaseMs = integerVar(env, 'APPGOV_WEBHOOK_LEASE_MS', 30_000, 500, 3_600_000);
  if (webhookLeaseMs < 2 * webhookTimeoutMs) {
    throw new ConfigError(`APPGOV_WEBHOOK_LEASE_MS (${webhookLeaseMs}) must be at least twice APPGOV_WEBHOOK_TIMEOUT_MS (${webhookTimeoutMs}): a lease must outlast an attempt`);
  }
  return {
    host,
    port: integerVar(env, 'PORT', 4000, 0, 65535),
    dbPath,
    databaseUrl: databaseUrlVar(env),
    dbPoolSize: integerVar(env, 'APPGOV_DB_POOL_SIZE', 10, 1, 1000),
    maxBulkIds,
    maxScanRows: integerVar(env, 'APPGOV_MAX_SCAN_ROWS', DEFAULT_MAX_SCAN_ROWS, 1000, 100_000_000),
    logSql: booleanVar(env, 'APPGOV_LOG_SQL'),
    production: env.NODE_ENV === 'production',
    limits: loadLimits(env, maxBulkIds),
    trustedDocuments: trustedDocumentsVar(env),
    trustedDocumentsFor: tokenKindsVar(env, 'APPGOV_TRUSTED_DOCUMENTS_FOR', ['client']),
    dbBusyTimeoutMs: integerVar(env, 'APPGOV_DB_BUSY_TIMEOUT_MS', 10, 0, 1000),
    expiryIntervalMs: integerVar(env, 'APPGOV_EXPIRY_INTERVAL_MS', 1000, 50, 3_600_000),
    livePollMs: integerVar(env, 'APPGOV_LIVE_POLL_MS', 1000, 50, 60_000),
    maxStreamsPerToken: integerVar(env, 'APPGOV_MAX_STREAMS_PER_TOKEN', 5, 1, 10_000),
    maxStreamsPerAddress: integerVar(env, 'APPGOV_MAX_STREAMS_PER_ADDRESS', 20, 1, 100_000),
    webhookPollMs: integerVar(env, 'APPGOV_WEBHOOK_POLL_MS', 500, 20, 60_000),
    webhookRetryBaseMs: integerVar(env, 'APPGOV_WEBHOOK_RETRY_BASE_MS', 1000, 10, 3_600_000),
    webhookRetryCapMs: integerVar(env, 'APPGOV_WEBHOOK_RETRY_CAP_MS', 3_600_000, 10, 86_400_000),
    webhookMaxAttempts: integerVar(env, 'APPGOV_WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
    webhookTimeoutMs,
    webhookLeaseMs,
    webhookRetentionDays: integerVar(env, 'APPGOV_WEBHOOK_RETENTION_DAYS', 30, 1, 3650),
    webhookAllowPrivate: optionalBooleanVar(env, 'APPGOV_WEBHOOK_ALLOW_PRIVATE', false),
    dbSync: dbSyncVar(env),
    writeWaitMs: integerVar(env, 'APPGOV_WRITE_WAIT_MS', 2000, 0, 60_000),
    writeWorker: optionalBooleanVar(env, 'APPGOV_WRITE_WORKER', true),
    corsOrigins: originsVar(env, 'APPGOV_CORS_ORIGINS'),
    graphiql: optionalBooleanVar(env, 'APPGOV_GRAPHIQL', env.NODE_ENV !== 'production'),
    rateLimitPerSecond: integerVar(env, 'APPGOV_RATE_LIMIT_PER_SECOND', 5000, 1, 10_000_000),
    rateLimitBurst: integerVar(env, 'APPGOV_RATE_LIMIT_BURST', 10_000, 1, 100_000_000),
    maxInFlightPerToken: integerVar(env, 'APPGOV_MAX_IN_FLIGHT_PER_TOKEN', 4, 1, 10_000),
    maxQueuedPerToken: integerVar(env, 'APPGOV_MAX_QUEUED_PER_TOKEN', 16, 0, 100_000),
    queueWaitMs: integerVar(env, 'APPGOV_QUEUE_WAIT_MS', 2000, 0, 60_000),
    maxConnections,
    maxConnectionsPerAddress,
    requestTimeoutMs,
    headersTimeoutMs,
    logLevel: logLevelVar(env),
    metricsToken: metricsTokenVar(env),
    tracing: (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '') !== '',
  };
}

/** APPGOV_DATABASE_URL: a postgres:// or postgresql:// URL with a host, or unset. */
function databaseUrlVar(env: Env): string | null {
  const raw = env.APPGOV_DATABASE_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('APPGOV_DATABASE_URL must be a URL like postgres://user:password@host:5432/appgov');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`APPGOV_DATABASE_URL must be a postgres:// (or postgresql://) URL; got a ${url.protocol.replace(/:$/, '')}: URL`);
  }
  return raw;
}

/** Bytes one literal id takes in a document or in JSON variables: 36 characters, quotes, a separator, headroom. */
const BYTES_PER_BULK_ID = 48;

function loadLimits(env: Env, maxBulkIds: number): RequestLimits {
  return {
    maxBodyBytes: integerVar(env, 'APPGOV_MAX_BODY_BYTES', 65_536 + BYTES_PER_BULK_ID * maxBulkIds, 1024, 100_000_000),
    maxTokens: integerVar(env, 'APPGOV_MAX_TOKENS', 2000 + maxBulkIds, 100, 1_000_000),
    maxNesting: integerVar(env, 'APPGOV_MAX_NESTING', 32, 4, 1000),
    maxAliases: integerVar(env, 'APPGOV_MAX_ALIASES', 100, 0, 10_000),
    maxDirectives: integerVar(env, 'APPGOV_MAX_DIRECTIVES', 30, 0, 10_000),
    maxIntrospectionValues: integerVar(env, 'APPGOV_MAX_INTROSPECTION_VALUES', 20_000, 100, 10_000_000),
    maxMutationFields: integerVar(env, 'APPGOV_MAX_MUTATION_FIELDS', 1, 1, 1000),
    parseCacheBytes: integerVar(env, 'APPGOV_PARSE_CACHE_BYTES', 16_777_216, 0, 1_000_000_000),
  };
}

/** The limits a test or embedding gets when it names none: the defaults for this maxBulkIds. */
export function defaultLimits(maxBulkIds = 1000): RequestLimits {
  return loadLimits({}, maxBulkIds);
}
