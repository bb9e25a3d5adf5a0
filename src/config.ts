import { LOG_LEVELS, type LogLevel } from './observability/logger';

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
  /** APPGOV_LOG_LEVEL: the least severe level written to stderr. */
  logLevel: LogLevel;
  /** APPGOV_METRICS_TOKEN: serve /metrics to this bearer secret; null: no metrics. */
  metricsToken: string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT is set: trace operations with OpenTelemetry. */
  tracing: boolean;
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

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST?.trim() || '127.0.0.1';
  const dbPath = env.APPGOV_DB?.trim() || './data/appgov.db';
  return {
    host,
    port: integerVar(env, 'PORT', 4000, 0, 65535),
    dbPath,
    maxBulkIds: integerVar(env, 'APPGOV_MAX_BULK_IDS', 1000, 1, 100_000),
    logSql: booleanVar(env, 'APPGOV_LOG_SQL'),
    production: env.NODE_ENV === 'production',
    logLevel: logLevelVar(env),
    metricsToken: metricsTokenVar(env),
    tracing: (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ?? '') !== '',
  };
}
