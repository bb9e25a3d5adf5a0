/**
 * Environment → one typed, validated config object. Read once at start; a bad
 * value stops the start with a message that names the variable.
 */
export interface Config {
  host: string;
  port: number;
  /** SQLite file path, or `:memory:`. */
  dbPath: string;
  /** Most distinct app ids one bulk call may name. */
  maxBulkIds: number;
  /** Write one `sql …` line per executed statement to stderr. */
  logSql: boolean;
  /** NODE_ENV=production: no demo data, no GraphiQL defaults with a token. */
  production: boolean;
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

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

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const dbPath = env.APPGOV_DB?.trim() || './data/appgov.db';
  const maxBulkIds = integerVar(env, 'APPGOV_MAX_BULK_IDS', 1000, 1, 100_000);
  return {
    host,
    port: integerVar(env, 'PORT', 4000, 0, 65535),
    dbPath,
    maxBulkIds,
    logSql: booleanVar(env, 'APPGOV_LOG_SQL'),
    production: env.NODE_ENV === 'production',
    limits: loadLimits(env, maxBulkIds),
  };
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
