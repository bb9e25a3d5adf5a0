import { resolve } from 'node:path';
import { ConfigError, databaseName, DEFAULT_DB_PATH, loadConfig, type Config } from './config';
import { DatabaseFileError, openDatabase, type OpenedDatabase } from './db/open';
import { startScanner, startWriter } from './db/writer';
import { createHttpServer, isLoopbackHost } from './http';
import { createLogger, SqlLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { DEMO_CLIENT_ID, seedDemoIfEmpty } from './services/demo';
import { createAppgovYoga, type AppgovYoga } from './yoga';

const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/**
 * How to make a token for this server's database. The appgov command reads APPGOV_DB too, and
 * without it ./data/appgov.db of the folder it runs in: the command names the file whenever the
 * server's is not that default, and otherwise says where to run it.
 */
function tokenHint(dbPath: string): string[] {
  const command = 'npx appgov token create --kind internal --name me';
  const file = databaseName(dbPath);
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

const config = startupConfig();
const logger = createLogger({ level: config.logLevel });
const sqlLogger = config.logSql ? new SqlLogger(logger) : undefined;
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
const metrics = config.metricsToken ? createMetrics() : undefined;
// Only with an OTLP endpoint configured are the OpenTelemetry packages loaded at all.
const tracing = config.tracing ? await (await import('./observability/tracing')).startTracing() : undefined;
const dbName = databaseName(config.dbPath);

// The port first, then the demo: the demo token is shown once, so it is created only when the
// server is listening and can show it. A start that cannot listen (port in use, bad HOST) leaves
// the database without it, and the next start loads the demo and prints the token.
let yoga: AppgovYoga | undefined;
// Set in the listening callback, before the event loop can hand this server a request.
const server = createHttpServer((request, response) => void yoga!(request, response), config);

server.on('error', (error) => {
  console.error(`appgov: cannot listen on ${config.host}:${config.port}: ${error.message}`);
  database.close();
  void Promise.all([writer.close(), scanner.close()]).finally(() => process.exit(1));
});

server.listen(config.port, config.host, () => {
  const demo = config.production ? null : seedDemoIfEmpty(database.db);
  // Any page a browser on this machine opens could read a token embedded in GraphiQL: only on loopback.
  const embedToken = demo !== null && config.graphiql && isLoopbackHost(config.host);
  yoga = createAppgovYoga({
    db: database.db,
    config,
    file: database.file,
    writer,
    scanner,
    logger,
    ...(metrics && config.metricsToken ? { metrics, metricsToken: config.metricsToken } : {}),
    ...(tracing ? { tracing: tracing.plugin } : {}),
    ...(demo ? { graphiqlClientId: demo.clientId } : {}),
    ...(demo && embedToken ? { graphiqlToken: demo.token } : {}),
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
    lines.push(...tokenHint(config.dbPath));
  }
  console.log(lines.join('\n'));
});

let closing = false;
function shutDown(signal: string) {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'closing');
  server.close(() => {
    database.close();
    void Promise.all([writer.close(), scanner.close(), tracing?.shutdown()]).finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  // Requests still running after 10 s are cut off rather than holding the process.
  setTimeout(() => {
    server.closeAllConnections();
  }, 10_000).unref();
}
process.on('SIGINT', () => shutDown('SIGINT'));
process.on('SIGTERM', () => shutDown('SIGTERM'));
