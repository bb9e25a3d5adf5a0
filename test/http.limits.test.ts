import { Agent } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createHttpServer, REFUSAL_SLOTS, type HttpLimits } from '../src/http';
import { createApp } from '../src/services/apps';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { exchange, expectRefusal, openSocket, parseRaw, protocolCalls } from './helpers/protocols';

/**
 * Issue 17 item 5 (one address cannot take every connection) and issue 18 item 3 (connection
 * and timeout refusals answer in the protocol of the path), over real sockets on loopback.
 * Linux routes all of 127/8 to loopback: 127.0.0.1 and 127.0.0.2 are two client addresses.
 */
let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function serve(limits: Partial<HttpLimits> = {}) {
  const t = testDatabase();
  const { clientId } = seedTenant(t.db);
  createApp(t.db, { name: 'Chat', codeName: 'chat' });
  const token = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
  const server: Server = createHttpServer(yoga, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 1000, ...limits });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets: Socket[] = [];
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    t.close();
  });
  const port = (server.address() as { port: number }).port;
  /** `n` idle sockets from `localAddress`, each accepted and counted before this resolves. */
  const hold = async (n: number, localAddress: string) => {
    const opened = await Promise.all(Array.from({ length: n }, () => openSocket(port, localAddress).catch(() => null)));
    for (const socket of opened) if (socket) sockets.push(socket);
    // The server counts a socket on its 'connection' event, a moment after the client's connect.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return opened.filter((s) => s !== null).length;
  };
  return { server, port, clientId, token, hold, calls: protocolCalls(clientId) };
}

const livez = { protocol: 'graphql' as const, method: 'GET', path: '/livez', contentType: 'text/plain', body: '' };

describe('connections per remote address', () => {
  it('1,000 idle sockets from one address leave the server answering another (the defaults)', async () => {
    const config = loadConfig({});
    const s = await serve({ maxConnections: config.maxConnections, maxConnectionsPerAddress: config.maxConnectionsPerAddress });
    expect([config.maxConnections, config.maxConnectionsPerAddress]).toEqual([1000, 100]);
    await s.hold(1000, '127.0.0.1');
    // Admitted: 100 from that address; the refused ones it holds are closed within a second.
    const other = parseRaw(await exchange(s.port, livez, { localAddress: '127.0.0.2' }));
    expect(other?.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const open = await new Promise<number>((resolve) => s.server.getConnections((_e, n) => resolve(n)));
    expect(open).toBeLessThanOrEqual(config.maxConnectionsPerAddress);
  }, 30_000);

  it('over its cap, an address is answered 429 in the protocol of the path; another address is served', async () => {
    const s = await serve({ maxConnections: 10, maxConnectionsPerAddress: 3 });
    expect(await s.hold(3, '127.0.0.1')).toBe(3);
    for (const call of s.calls) {
      const answer = parseRaw(await exchange(s.port, call, { localAddress: '127.0.0.1' }));
      expect(answer, call.path).not.toBeNull();
      expect(answer!.headers.connection).toBe('close');
      expectRefusal(call.protocol, 'RATE_LIMITED', answer!);
    }
    expect(parseRaw(await exchange(s.port, livez, { localAddress: '127.0.0.2' }))?.status).toBe(200);
  });

  it('with every connection taken, a new one is answered 503 in the protocol of the path', async () => {
    const s = await serve({ maxConnections: 4, maxConnectionsPerAddress: 2 });
    expect((await s.hold(2, '127.0.0.1')) + (await s.hold(2, '127.0.0.2'))).toBe(4);
    for (const call of s.calls) {
      const answer = parseRaw(await exchange(s.port, call, { localAddress: '127.0.0.3' }));
      expect(answer, call.path).not.toBeNull();
      expectRefusal(call.protocol, 'UNAVAILABLE', answer!);
    }
  });

  it('refused sockets that send nothing are closed within a second, and at most REFUSAL_SLOTS are kept at once', async () => {
    const s = await serve({ maxConnections: 10, maxConnectionsPerAddress: 2 });
    await s.hold(2 + REFUSAL_SLOTS + 20, '127.0.0.1');
    const open = () => new Promise<number>((resolve) => s.server.getConnections((_e, n) => resolve(n)));
    expect(await open()).toBeLessThanOrEqual(2 + REFUSAL_SLOTS);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await open()).toBe(2);
  });

  it("a real @slack/web-api WebClient from an address over its cap gets the SDK's rate-limited error; from another address, its answer", async () => {
    const s = await serve({ maxConnections: 10, maxConnectionsPerAddress: 2 });
    await s.hold(2, '127.0.0.1');
    const client = (localAddress: string) =>
      new WebClient(s.token, {
        slackApiUrl: `http://127.0.0.1:${s.port}/api/`,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        agent: new Agent({ localAddress, keepAlive: false }),
      });
    const refused = await client('127.0.0.1')
      .admin.apps.approved.list({ enterprise_id: s.clientId })
      .catch((error: unknown) => error as { code?: string; retryAfter?: number });
    expect(refused).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    const served = await client('127.0.0.2').admin.apps.approved.list({ enterprise_id: s.clientId });
    expect(served).toMatchObject({ ok: true, approved_apps: [] });
  });
});

describe('a request that does not arrive in time', () => {
  it('is answered 408 in the protocol of its path and the connection closes', async () => {
    const s = await serve({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const started = performance.now();
    const answers = await Promise.all(
      s.calls.filter((call) => call.body.length > 1).map(async (call) => [call, parseRaw(await exchange(s.port, call, { partial: 1 }))] as const),
    );
    expect(performance.now() - started).toBeLessThan(5000);
    for (const [call, answer] of answers) {
      expect(answer, call.path).not.toBeNull();
      expect(answer!.headers.connection).toBe('close');
      expectRefusal(call.protocol, 'REQUEST_TIMEOUT', answer!);
    }
    expect(answers.map(([call]) => call.protocol).sort()).toEqual(['graphql', 'slack', 'v1', 'v3']);
  }, 20_000);

  it('headers that do not arrive in time: 408 as GraphQL (no path yet)', async () => {
    const s = await serve({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const socket = await openSocket(s.port);
    const text = await new Promise<string>((resolve) => {
      let answer = '';
      socket.write('POST /api/admin.apps.approved.list HTTP/1.1\r\nHost: x\r\n');
      socket.on('data', (d) => (answer += d));
      socket.on('close', () => resolve(answer));
    });
    expectRefusal('graphql', 'REQUEST_TIMEOUT', parseRaw(text)!);
  }, 20_000);
});
