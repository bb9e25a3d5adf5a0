import { readTrustedDocuments, type TrustedDocuments } from './auth/trusted-documents';
import { TOKEN_KINDS, type TokenKind } from './db/schema';

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
  /** APPGOV_TRUSTED_DOCUMENTS: the manifest's documents (id → operation), or null when unset. */
  trustedDocuments: TrustedDocuments | null;
  /** APPGOV_TRUSTED_DOCUMENTS_FOR: the token kinds that may run only trusted documents. */
  trustedDocumentsFor: readonly TokenKind[];
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
    trustedDocuments: trustedDocumentsVar(env),
    trustedDocumentsFor: tokenKindsVar(env, 'APPGOV_TRUSTED_DOCUMENTS_FOR', ['client']),
  };
}
