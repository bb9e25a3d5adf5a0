import { resolve } from 'node:path';
import { sqliteBackend, type Backend } from './backend';
import { startExpirySweeper, type ExpirySweeper } from './expiry-sweeper';
import { hubFor } from './live/hub';
import { WebhookRunner } from './live/webhooks';
import { ConfigError, databaseLabel, databaseName, DEFAULT_DB_PATH, loadConfig, type Config } from './config';
import { DatabaseFileError, openDatabase, type OpenedDatabase } from './db/open';
import { openPostgres, type OpenedPostgres } from './db/postgres';
import { startScanner, startWriter } from './db/writer';
import { createHttpServer, isLoopbackHost } from './http';
import { createLogger, SqlLogger, type Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { DEMO_CLIENT_ID, seedDemoIfEmpty } from './services/demo';
import { postgresBackend } from './store/postgres/backend';
import { seedDemoIfEmptyPg } from './store/postgres/demo';
import { createAppgovYoga, type AppgovYoga } from './yoga';

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * How to make a token for this server's database. The appgov command reads APPGOV_DB too, and
 * without it ./data/appgov.db of the folder it runs in: the command names the file whenever the
 * server's is not that default, and otherwise says where to run it.
 */
function tokenHint(config: Pick<Config, 'dbPath' | 'databaseUrl'>): string[] {
  const command = 'npx appgov token create --kind internal --name me';
  if (config.databaseUrl) return [`Need a token? APPGOV_DATABASE_URL=… ${command} (the same database URL as this server's)`];
  const file = databaseName(config.dbPath);
  if (file !== resolve(DEFAULT_DB_PATH)) return [`Need a token? APPGOV_DB=${shellWord(file)} ${command}`];
  return [`Need a token? ${command}`, `  (in ${shellWord(process.cwd())}, or anywhere with APPGOV_DB=${shellWord(file)}: this server's database)`];
}

function startupConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`appgov: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/** A folder, a missing permission or a read-only file system: one line naming the variable, exit 1. */
function startupDatabase(config: Config, sqlLogger: SqlLogger | undefined): OpenedDatabase {
  try {
    return openDatabase(config.dbPath, {
      dbBusyTimeoutMs: config.dbBusyTimeoutMs,
      dbSync: config.dbSync,
      ...(sqlLogger ? { logger: sqlLogger } : {}),
    });
  } catch (error) {
    if (error instanceof DatabaseFileError) {
      console.error(`appgov: APPGOV_DB: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

/** What the server serves from, and how it loads the demo and lets go at the end. */
interface Served {
  backend: Backend;
  seedDemo(): Promise<{ clientId: string; token: string } | null>;
  close(): Promise<void>;
}

async function serveSqlite(config: Config, logger: Logger, sqlLogger: SqlLogger | undefined): Promise<Served> {
  const database = startupDatabase(config, sqlLogger);
  const writer = startWriter(database, config, logger, sqlLogger);
  const scanner = startScanner(database, config, logger, sqlLogger);
  // What an acknowledged commit survives (APPGOV_DB_SYNC), as in force on each connection: logged once at start.
  const durability = (level: number) => ['OFF', 'NORMAL', 'FULL', 'EXTRA'][level] ?? String(level);
  const serverSync = durability(database.sqlite.pragma('synchronous', { simple: true }) as number);
  await writer.run('durability', null).then(
    (found) => logger.info({ synchronous: { server: serverSync, writer: durability(found.synchronous) } }, 'durability'),
    (error: unknown) => logger.error({ err: error }, 'cannot read the writer connection settings'),
  );
  return {
    backend: sqliteBackend(database.db, { file: database.file, writer, scanner }),
    seedDemo: async () => seedDemoIfEmpty(database.db),
    close: async () => {
      database.close();
      await Promise.all([writer.close(), scanner.close()]);
    },
  };
}

/** Postgres: migrated at start (safely when several instances start at once); unreachable: one line, exit 1. */
async function servePostgres(config: Config & { databaseUrl: string }, logger: Logger, sqlLogger: SqlLogger | undefined): Promise<Served> {
  let opened: OpenedPostgres;
  try {
    opened = await openPostgres(config.databaseUrl, {
      poolSize: config.dbPoolSize,
      log: (error) => logger.warn({ err: error }, 'postgres connection lost'),
      ...(sqlLogger ? { logger: sqlLogger } : {}),
    });
  } catch (error) {
    console.error(`appgov: APPGOV_DATABASE_URL: cannot open ${databaseLabel(config)}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const log = (error: unknown) => logger.error({ err: error }, 'postgres');
  return {
    backend: postgresBackend(opened, { rateLimits: config, log }),
    seedDemo: () => seedDemoIfEmptyPg(opened.pool),
    close: () => opened.close(),
  };
}

const config = startupConfig();
const logger = createLogger({ level: config.logLevel });
const sqlLogger = config.logSql ? new SqlLogger(logger) : undefined;
const served = config.databaseUrl ? await servePostgres({ ...config, databaseUrl: config.databaseUrl }, logger, sqlLogger) : await serveSqlite(config, logger, sqlLogger);
const metrics = config.metricsToken ? createMetrics() : undefined;
// Only with an OTLP endpoint configured are the OpenTelemetry packages loaded at all.
const tracing = config.tracing ? await (await import('./observability/tracing')).startTracing() : undefined;
const dbName = databaseLabel(config);

// The port first, then the demo: the demo token is shown once, so it is created only when the
// server is listening and can show it. A start that cannot listen (port in use, bad HOST) leaves
// the database without it, and the next start loads the demo and prints the token.
let yoga: AppgovYoga | undefined;
// Writes down approvals whose end has passed (also ends that passed while no instance ran); stopped before the database closes.
let sweeper: ExpirySweeper | undefined;
// The live streams (subscriptions) of this instance: ended first on shutdown, so their connections close.
const live = hubFor(served.backend, config, (error) => logger.error({ err: error }, 'live events'));
// Sends the webhooks' deliveries (leases shared with the other instances through the database); stopped before the database closes.
const webhooks = new WebhookRunner({
  queue: served.backend.webhookQueue,
  store: served.backend.store,
  config,
  log: (error) => logger.error({ err: error }, 'webhook delivery'),
  ...(metrics ? { onAttempt: (_lane, _delivery, outcome) => metrics.recordWebhookAttempt(outcome.ok ? 'delivered' : 'failed') } : {}),
});
// Set in the listening callback, before the event loop can hand this server a request.
const server = createHttpServer((request, response) => void yoga!(request, response), config);

server.on('error', (error) => {
  console.error(`appgov: cannot listen on ${config.host}:${config.port}: ${error.message}`);
  void Promise.all([sweeper?.stop(), webhooks.stop()]).then(() => served.close()).finally(() => process.exit(1));
});

server.listen(config.port, config.host, async () => {
  let demo: { clientId: string; token: string } | null = null;
  try {
    demo = config.production ? null : await served.seedDemo();
  } catch (error) {
    logger.error({ err: error }, 'cannot load the demo organisation');
  }
  // Any page a browser on this machine opens could read a token embedded in GraphiQL: only on loopback.
  const embedToken = demo !== null && config.graphiql && isLoopbackHost(config.host);
  yoga = createAppgovYoga({
    backend: served.backend,
    config,
    logger,
    live,
    webhooks,
    ...(metrics && config.metricsToken ? { metrics, metricsToken: config.metricsToken } : {}),
    ...(tracing ? { tracing: tracing.plugin } : {}),
    ...(demo ? { graphiqlClientId: demo.clientId } : {}),
    ...(demo && embedToken ? { graphiqlToken: demo.token } : {}),
  });
  webhooks.start();
  sweeper = startExpirySweeper(served.backend, {
    intervalMs: config.expiryIntervalMs,
    log: (error) => logger.error({ err: error }, 'approval expiry sweep failed'),
    onSweep: ({ expired }) => {
      if (expired > 0) {
        logger.info({ expired }, 'approvals expired');
        live.nudge();
        webhooks.nudge();
      }
    },
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url: `${base}/graphql`, database: dbName, metrics: Boolean(metrics), tracing: Boolean(tracing) }, 'listening');
  const lines = [`appgov is serving ${base}/graphql${config.graphiql ? ' (GraphiQL in a browser)' : ''} on ${dbName}`];
  lines.push(`HTTP routes (the approvals REST API under /v2, the Slack-compatible API under /api/admin.apps.*, the assignment API under /v3 and /platform/v1) are listed at ${base}/v2/openapi.json`);
  if (demo) {
    lines.push(
      '',
      'Loaded the demo organisation into the empty database.',
      `  client id: ${demo.clientId}`,
      `  token:     ${demo.token}`,
      embedToken
        ? '  (shown once: only its hash is stored; GraphiQL opens with it in its headers)'
        : '  (shown once: only its hash is stored; not put in GraphiQL, which is off or not on loopback)',
      '',
      `Try it:  curl -s ${base}/graphql -H 'Authorization: Bearer ${demo.token}' -H 'Content-Type: application/json' \\`,
      `           -d '{"query":"mutation { approveApps(clientId: \\"${DEMO_CLIENT_ID}\\", appIds: [\\"f1a2b3c4-d5e6-7890-abcd-ef1234567890\\"]) { succeeded failed { id error code } } }"}'`,
    );
  } else if (!config.production) {
    lines.push(...tokenHint(config));
  }
  console.log(lines.join('\n'));
});

let closing = false;
function shutDown(signal: string) {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'closing');
  void live.close();
  server.close(() => {
    void Promise.all([sweeper?.stop(), webhooks.stop()])
      .then(() => Promise.all([served.close(), tracing?.shutdown()]))
      .finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  // A connection whose request ends during the shutdown (an ended stream, a finished call) goes idle
  // then: closed within 100 ms, instead of holding the exit for its keep-alive timeout (5 s).
  setInterval(() => server.closeIdleConnections(), 100).unref();
  // Requests still running after 10 s are cut off rather than holding the process.
  setTimeout(() => {
    server.closeAllConnections();
  }, 10_000).unref();
}
process.on('SIGINT', () => shutDown('SIGINT'));
process.on('SIGTERM', () => shutDown('SIGTERM'));
