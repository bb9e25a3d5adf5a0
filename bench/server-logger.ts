/**
 * The request log a real server writes (src/server.ts: one pino line per request at
 * APPGOV_LOG_LEVEL, default info), sent to /dev/null so the bench pays for every line
 * without printing it.
 */
import { pino } from 'pino';
import type { Config } from '../src/config';
import { createLogger, type Logger } from '../src/observability/logger';

export const serverLogger = (config: Pick<Config, 'logLevel'>): Logger =>
  createLogger({ level: config.logLevel, destination: pino.destination({ dest: '/dev/null', sync: true }) });
