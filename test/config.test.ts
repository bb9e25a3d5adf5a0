import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, databaseLabel, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 4000,
      dbPath: './data/appgov.db',
      maxBulkIds: 1000,
      maxScanRows: 200_000,
      logSql: false,
      production: false,
      trustedDocuments: null,
      trustedDocumentsFor: ['client'],
      databaseUrl: null,
      dbPoolSize: 10,
      dbBusyTimeoutMs: 10,
      expiryIntervalMs: 1000,
      livePollMs: 1000,
      maxStreamsPerToken: 5,
      maxStreamsPerAddress: 20,
      dbSync: 'full',
      webhookAllowPrivate: false,
      webhookLeaseMs: 30_000,
      webhookMaxAttempts: 8,
      webhookPollMs: 500,
      webhookRetryBaseMs: 1000,
      webhookRetentionDays: 30,
      webhookRetryCapMs: 3_600_000,
      webhookTimeoutMs: 5000,
      writeWaitMs: 2000,
      writeWorker: true,
      corsOrigins: [],
      graphiql: true,
      rateLimitPerSecond: 5000,
      rateLimitBurst: 10_000,
      maxInFlightPerToken: 4,
      maxQueuedPerToken: 16,
      queueWaitMs: 2000,
      maxConnections: 1000,
      maxConnectionsPerAddress: 100,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      logLevel: 'info',
      metricsToken: null,
      tracing: false,
      limits: {
        maxBodyBytes: 65_536 + 48 * 1000,
        maxTokens: 3000,
        maxNesting: 32,
        maxAliases: 100,
        maxDirectives: 30,
        maxIntrospectionValues: 20_000,
        maxMutationFields: 1,
        parseCacheBytes: 16_777_216,
      },
    });
  });

  it('sizes the body and token limits to fit the largest legal bulk call', () => {
    const { limits } = loadConfig({ APPGOV_MAX_BULK_IDS: '20000' });
    expect(limits.maxBodyBytes).toBe(65_536 + 48 * 20_000);
    expect(limits.maxTokens).toBe(22_000);
  });

  it('reads every limit', () => {
    expect(
      loadConfig({
        APPGOV_MAX_BODY_BYTES: '2048', APPGOV_MAX_TOKENS: '500', APPGOV_MAX_NESTING: '10', APPGOV_MAX_ALIASES: '0',
        APPGOV_MAX_DIRECTIVES: '5', APPGOV_MAX_INTROSPECTION_VALUES: '5000', APPGOV_MAX_MUTATION_FIELDS: '3', APPGOV_PARSE_CACHE_BYTES: '0',
      }).limits,
    ).toEqual({
      maxBodyBytes: 2048, maxTokens: 500, maxNesting: 10, maxAliases: 0, maxDirectives: 5, maxIntrospectionValues: 5000,
      maxMutationFields: 3, parseCacheBytes: 0,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({ HOST: '0.0.0.0', PORT: '8080', APPGOV_DB: '/var/appgov.db', APPGOV_MAX_BULK_IDS: '20000', APPGOV_LOG_SQL: '1', NODE_ENV: 'production' }),
    ).toMatchObject({ host: '0.0.0.0', port: 8080, dbPath: '/var/appgov.db', maxBulkIds: 20000, logSql: true, production: true, graphiql: false });
  });

  it('reads the webhook variables; a lease shorter than two attempts is refused', () => {
    expect(
      loadConfig({
        APPGOV_WEBHOOK_POLL_MS: '100',
        APPGOV_WEBHOOK_RETRY_BASE_MS: '250',
        APPGOV_WEBHOOK_RETRY_CAP_MS: '60000',
        APPGOV_WEBHOOK_MAX_ATTEMPTS: '3',
        APPGOV_WEBHOOK_TIMEOUT_MS: '2000',
        APPGOV_WEBHOOK_LEASE_MS: '4000',
        APPGOV_WEBHOOK_ALLOW_PRIVATE: '1',
      }),
    ).toMatchObject({ webhookPollMs: 100, webhookRetryBaseMs: 250, webhookRetryCapMs: 60_000, webhookMaxAttempts: 3, webhookTimeoutMs: 2000, webhookLeaseMs: 4000, webhookAllowPrivate: true });
    expect(() => loadConfig({ APPGOV_WEBHOOK_TIMEOUT_MS: '5000', APPGOV_WEBHOOK_LEASE_MS: '9999' })).toThrow(/APPGOV_WEBHOOK_LEASE_MS \(9999\) must be at least twice APPGOV_WEBHOOK_TIMEOUT_MS/);
    expect(() => loadConfig({ APPGOV_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(/APPGOV_WEBHOOK_MAX_ATTEMPTS/);
  });

  it('reads the live-event variables, and refuses them out of range', () => {
    expect(loadConfig({ APPGOV_LIVE_POLL_MS: '250', APPGOV_MAX_STREAMS_PER_TOKEN: '2', APPGOV_MAX_STREAMS_PER_ADDRESS: '9' })).toMatchObject({
      livePollMs: 250,
      maxStreamsPerToken: 2,
      maxStreamsPerAddress: 9,
    });
    expect(() => loadConfig({ APPGOV_LIVE_POLL_MS: '10' })).toThrow(/APPGOV_LIVE_POLL_MS/);
    expect(() => loadConfig({ APPGOV_MAX_STREAMS_PER_TOKEN: '0' })).toThrow(/APPGOV_MAX_STREAMS_PER_TOKEN/);
    expect(() => loadConfig({ APPGOV_MAX_STREAMS_PER_ADDRESS: 'many' })).toThrow(/APPGOV_MAX_STREAMS_PER_ADDRESS/);
  });

  it('reads the operations variables', () => {
    expect(
      loadConfig({ APPGOV_LOG_LEVEL: 'DEBUG', APPGOV_METRICS_TOKEN: 'm'.repeat(24), OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }),
    ).toEqual(expect.objectContaining({ logLevel: 'debug', metricsToken: 'm'.repeat(24), tracing: true }));
  });

  it('serves on Postgres when APPGOV_DATABASE_URL is set (APPGOV_DB is then ignored), and names it without its password', () => {
    const config = loadConfig({ APPGOV_DATABASE_URL: ' postgres://appgov:s3cret@db:5432/appgov?sslmode=require ', APPGOV_DB: 'x.db', APPGOV_DB_POOL_SIZE: '20' });
    expect(config).toMatchObject({ databaseUrl: 'postgres://appgov:s3cret@db:5432/appgov?sslmode=require', dbPoolSize: 20 });
    expect(databaseLabel(config)).toBe('postgres://appgov@db:5432/appgov');
    expect(databaseLabel(loadConfig({ APPGOV_DB: 'x.db' }))).toBe(resolve('x.db'));
  });

  it('takes NODE_ENV production, development or test, or none', () => {
    expect(['production', 'development', 'test', '', undefined].map((NODE_ENV) => loadConfig({ NODE_ENV }).production)).toEqual([true, false, false, false, false]);
  });

  it.each([
    [{ APPGOV_DATABASE_URL: 'mysql://appgov:secret@db/appgov' }, 'APPGOV_DATABASE_URL must be a postgres:// (or postgresql://) URL; got a mysql: URL'],
    [{ APPGOV_DATABASE_URL: 'db:5432/appgov' }, 'APPGOV_DATABASE_URL must be a postgres:// (or postgresql://) URL; got a db: URL'],
    [{ APPGOV_DATABASE_URL: 'not a url' }, 'APPGOV_DATABASE_URL must be a URL like postgres://user:password@host:5432/appgov'],
    [{ APPGOV_DB_POOL_SIZE: '0' }, 'APPGOV_DB_POOL_SIZE must be a whole number from 1 to 1000; got "0"'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV must be one of production, development, test, or unset; got "prod"'],
    [{ NODE_ENV: 'Production' }, 'NODE_ENV must be one of production, development, test, or unset; got "Production"'],
    [{ APPGOV_DB: 'data/' }, 'APPGOV_DB must name a file, not a folder; got "data/" (for example data/appgov.db)'],
    [{ APPGOV_DB: '/var/lib/appgov/' }, 'APPGOV_DB must name a file, not a folder; got "/var/lib/appgov/" (for example /var/lib/appgov/appgov.db)'],
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535; got "eighty"'],
    [{ APPGOV_MAX_SCAN_ROWS: '10' }, 'APPGOV_MAX_SCAN_ROWS must be a whole number from 1000 to 100000000; got "10"'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535; got "70000"'],
    [{ APPGOV_MAX_BULK_IDS: '0' }, 'APPGOV_MAX_BULK_IDS must be a whole number from 1 to 100000; got "0"'],
    [{ APPGOV_MAX_BULK_IDS: '1.5' }, 'APPGOV_MAX_BULK_IDS must be a whole number from 1 to 100000; got "1.5"'],
    [{ APPGOV_MAX_TOKENS: '99' }, 'APPGOV_MAX_TOKENS must be a whole number from 100 to 1000000; got "99"'],
    [{ APPGOV_MAX_MUTATION_FIELDS: '0' }, 'APPGOV_MAX_MUTATION_FIELDS must be a whole number from 1 to 1000; got "0"'],
    [{ APPGOV_MAX_BODY_BYTES: '1e6' }, 'APPGOV_MAX_BODY_BYTES must be a whole number from 1024 to 100000000; got "1e6"'],
    [{ APPGOV_LOG_SQL: 'yes' }, 'APPGOV_LOG_SQL must be 1, 0, true or false; got "yes"'],
    [{ APPGOV_WRITE_WORKER: 'maybe' }, 'APPGOV_WRITE_WORKER must be 1, 0, true or false; got "maybe"'],
    [{ APPGOV_LOG_LEVEL: 'loud' }, 'APPGOV_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"'],
    [{ APPGOV_METRICS_TOKEN: 'short' }, 'APPGOV_METRICS_TOKEN must be 24 to 256 printable characters without spaces'],
    [{ APPGOV_METRICS_TOKEN: `${'m'.repeat(24)} x` }, 'APPGOV_METRICS_TOKEN must be 24 to 256 printable characters without spaces'],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
