import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from './config';
import { routeTable } from './routes';
import type { RouteTable } from './routes/compile';
import { refusalReply, type Refusal, type RefusalReply } from './routes/refusal';

export type HttpLimits = Pick<Config, 'maxConnections' | 'requestTimeoutMs' | 'headersTimeoutMs'> &
  Partial<Pick<Config, 'maxConnectionsPerAddress'>>;

/**
 * Sockets over a connection limit that are kept open to be answered (the path, and so the
 * protocol of the answer, is known only once the request head arrives). Past this many at once,
 * more are closed on accept without an answer: refusing can never hold more than this.
 */
export const REFUSAL_SLOTS = 64;
/** How long a socket over a limit may take to send its request head before it is closed unanswered. */
const REFUSAL_GRACE_MS = 1000;

/** Seconds a client refused for a connection limit is told to wait. */
const CONNECTION_RETRY_AFTER = 1;

const refusedWith = new WeakMap<Socket, Refusal>();
/** The request a socket is receiving now: a timeout then answers in the protocol of its path. */
const receiving = new WeakMap<Socket, { pathname: string; req: IncomingMessage; res: ServerResponse }>();

function pathnameOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return '/';
  }
}

function rawResponse(reply: RefusalReply): string {
  const headers = { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)), connection: 'close' };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${reply.body}`;
}

/**
 * The HTTP server around Yoga, with the connection limits a public service
 * needs: a request must arrive whole (headers and body) within
 * `requestTimeoutMs` (408), its headers within `headersTimeoutMs`; at most
 * `maxConnections` sockets are open at once (more get 503) and at most
 * `maxConnectionsPerAddress` from one remote address (more get 429), so one
 * client cannot take every slot. Each of these refusals answers in the
 * protocol of the request's path (Slack, REST or GraphQL, see
 * routes/refusal.ts), with `Retry-After`, and closes the connection; a
 * refused socket that sends no request within a second is closed unanswered,
 * and at most REFUSAL_SLOTS refused sockets are kept at once (more are
 * closed on accept). Slow or idle clients cannot hold sockets.
 */
export function createHttpServer(yoga: RequestListener, limits: HttpLimits, options: { table?: RouteTable } = {}): Server {
  const table = options.table ?? routeTable;
  const perAddressCap = limits.maxConnectionsPerAddress ?? limits.maxConnections;
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: 5000,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => {
      const socket = req.socket;
      const refusal = refusedWith.get(socket);
      if (refusal) {
        const reply = refusalReply(table, pathnameOf(req), refusal);
        res.shouldKeepAlive = false;
        res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)), connection: 'close' });
        res.end(reply.body);
        return;
      }
      const current = { pathname: pathnameOf(req), req, res };
      receiving.set(socket, current);
      res.once('finish', () => {
        if (receiving.get(socket) === current) receiving.delete(socket);
      });
      void yoga(req, res);
    },
  );
  // Node's own cap, the hard one: the admitted connections plus the refusals being answered.
  server.maxConnections = limits.maxConnections + REFUSAL_SLOTS;

  let admitted = 0;
  let refusing = 0;
  const byAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = byAddress.get(address) ?? 0;
    let refusal: Refusal | null = null;
    if (admitted >= limits.maxConnections) {
      refusal = {
        code: 'UNAVAILABLE',
        message: `The server holds its ${limits.maxConnections} connections; retry after ${CONNECTION_RETRY_AFTER} s.`,
        details: { retryAfter: CONNECTION_RETRY_AFTER, reason: 'CONNECTIONS' },
      };
    } else if (fromAddress >= perAddressCap) {
      refusal = {
        code: 'RATE_LIMITED',
        message: `Rate limited: more than ${perAddressCap} connections from this address at once. Nothing was executed; retry after ${CONNECTION_RETRY_AFTER} s.`,
        details: { retryAfter: CONNECTION_RETRY_AFTER, reason: 'CONNECTIONS_PER_ADDRESS' },
      };
    }
    if (refusal) {
      if (refusing >= REFUSAL_SLOTS) {
        socket.destroy();
        return;
      }
      refusing++;
      refusedWith.set(socket, refusal);
      const timer = setTimeout(() => socket.destroy(), Math.min(REFUSAL_GRACE_MS, limits.headersTimeoutMs));
      timer.unref();
      socket.once('close', () => {
        refusing--;
        clearTimeout(timer);
      });
      return;
    }
    admitted++;
    byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      admitted--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left === 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
  });

  // A request that does not arrive in time: 408 in the protocol of its path (when its head
  // arrived; a head that did not is answered as GraphQL), then the connection closes. Other
  // malformed requests get Node's own answers.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Only a request still arriving is the one that timed out (else the next one's head did).
    const last = receiving.get(socket);
    const current = last && !last.req.complete ? last : undefined;
    if (socket.writable && !(current?.res.headersSent ?? false)) {
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        const seconds = Math.round((current ? limits.requestTimeoutMs : limits.headersTimeoutMs) / 1000);
        const message = current
          ? `The request did not arrive whole within ${seconds} s; nothing was executed.`
          : `The request headers did not arrive within ${seconds} s; nothing was executed.`;
        socket.write(rawResponse(refusalReply(table, current?.pathname ?? '/graphql', { code: 'REQUEST_TIMEOUT', message })));
      } else if (error.code !== 'ECONNRESET') {
        const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      }
    }
    socket.destroy(error);
  });
  return server;
}

/** True for addresses only this machine can reach: the demo token may be embedded in GraphiQL there. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
