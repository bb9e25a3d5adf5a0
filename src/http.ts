import { createServer, type Server } from 'node:http';
import type { Config } from './config';
import type { AppgovYoga } from './yoga';

export type HttpLimits = Pick<Config, 'maxConnections' | 'requestTimeoutMs' | 'headersTimeoutMs'>;

/**
 * The HTTP server around Yoga, with the connection limits a public service
 * needs: a request must arrive whole (headers and body) within
 * `requestTimeoutMs` (408, connection closed), its headers within
 * `headersTimeoutMs`, and at most `maxConnections` sockets are open at once
 * (more are closed on accept). Slow or idle clients cannot hold sockets.
 */
export function createHttpServer(yoga: AppgovYoga, limits: HttpLimits): Server {
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    yoga,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

/** True for addresses only this machine can reach: the demo token may be embedded in GraphiQL there. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
