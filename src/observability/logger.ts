import type { Logger as SqlQueryLogger } from 'drizzle-orm/logger';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Anything shaped like a token secret. Nothing logs one on purpose; this is the
 * net under an unexpected error whose message or SQL parameters might carry one.
 */
const TOKEN_SECRET = /agv_[A-Za-z0-9_-]{8,}/g;

/**
 * JSON lines on stderr (or `destination`, for tests and the bench). Writes are
 * synchronous so nothing is lost when the process exits right after logging.
 */
export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      // Epoch milliseconds (pino's default): an ISO string costs about 1% of a small read.
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: (line) => (line.includes('agv_') ? line.replace(TOKEN_SECRET, 'agv_[redacted]') : line) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** `APPGOV_LOG_SQL=1`: one `"msg":"sql"` line per executed statement, with its (shortened) parameters. */
export class SqlLogger implements SqlQueryLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(query: string, params: unknown[]): void {
    let shownParams = params.length ? JSON.stringify(params) : undefined;
    if (shownParams !== undefined && shownParams.length > 300) shownParams = `${shownParams.slice(0, 300)}… (${params.length} params)`;
    this.logger.info({ sql: query.replace(/\s+/g, ' ').trim(), params: shownParams }, 'sql');
  }
}
