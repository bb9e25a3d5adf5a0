import { ConfigError, loadConfig, type Config } from './config';
import { DatabaseFileError, openDatabase, type OpenedDatabase } from './db/open';
import { startWriter } from './db/writer';
import { createHttpServer, isLoopbackHost } from './http';
import { createLogger, SqlLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { DEMO_CLIENT_ID, seedDemoIfEmpty } from './services/demo';
import { createAppgovYoga } from './yoga';

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
const demo = config.production ? null : seedDemoIfEmpty(database.db);
// Any page a browser on this machine opens could read a token embedded in GraphiQL: only on loopback.
const embedToken = demo !== null && config.graphiql && isLoopbackHost(config.host);

const yoga = createAppgovYoga({
  db: database.db,
  config,
  file: database.file,
  writer,
  logger,
  ...(metrics && config.metricsToken ? { metrics, metricsToken: config.metricsToken } : {}),
  ...(tracing ? { tracing: tracing.plugin } : {}),
  ...(demo ? { graphiqlClientId: demo.clientId } : {}),
  ...(demo && embedToken ? { graphiqlToken: demo.token } : {}),
});
const server = createHttpServer(yoga, config);

server.on('error', (error) => {
  console.error(`appgov: cannot listen on ${config.host}:${config.port}: ${error.message}`);
  database.close();
  void writer.close().finally(() => process.exit(1));
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url: `${base}/graphql`, database: config.dbPath, metrics: Boolean(metrics), tracing: Boolean(tracing) }, 'listening');
  const lines = [`appgov is serving ${base}/graphql${config.graphiql ? ' (GraphiQL in a browser)' : ''} on ${config.dbPath}`];
  lines.push(`HTTP routes (the seeds' /v2, Slack's /api/admin.apps.*, vcita's /v3 and /platform/v1) are listed at ${base}/v2/openapi.json`);
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
    lines.push('Need a token? npx appgov token create --kind internal --name me');
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
    void Promise.all([writer.close(), tracing?.shutdown()]).finally(() => process.exit(0));
  });
  server.closeIdleConnections();
  // Requests still running after 10 s are cut off rather than holding the process.
  setTimeout(() => {
    server.closeAllConnections();
  }, 10_000).unref();
}
process.on('SIGINT', () => shutDown('SIGINT'));
process.on('SIGTERM', () => shutDown('SIGTERM'));
