import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createHttpServer, isLoopbackHost } from '../src/http';
import { createLogger } from '../src/observability/logger';
import { createAppgovYoga, onPostgres } from './helpers/yoga';
import { issueToken, testDatabase } from './helpers/db';

/** Findings 8 and 12 (GraphiQL, CORS, APPGOV_DB) and the HTTP limits of finding 11. */
const dir = mkdtempSync(join(tmpdir(), 'appgov-exposure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);

function yogaWith(config: Partial<ReturnType<typeof loadConfig>>, graphiqlToken?: string) {
  const t = testDatabase();
  return createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, ...config }, ...(graphiqlToken ? { graphiqlToken } : {}) });
}

describe('CORS', () => {
  it('sends no CORS headers by default, whatever the Origin', async () => {
    const yoga = yogaWith({});
    for (const method of ['OPTIONS', 'POST']) {
      const res = await yoga.fetch('http://appgov.test/graphql', {
        method,
        headers: { origin: 'https://evil.example', 'content-type': 'application/json', 'access-control-request-method': 'POST' },
        ...(method === 'POST' ? { body: '{"query":"{ __typename }"}' } : {}),
      });
      expect([res.headers.get('access-control-allow-origin'), res.headers.get('access-control-allow-credentials')]).toEqual([null, null]);
    }
  });

  it('allows exactly the configured origins, with credentials', async () => {
    const yoga = yogaWith({ corsOrigins: ['https://admin.example.com'] });
    const ask = async (origin: string) => {
      const res = await yoga.fetch('http://appgov.test/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      return [res.headers.get('access-control-allow-origin'), res.headers.get('access-control-allow-credentials')];
    };
    expect(await ask('https://admin.example.com')).toEqual(['https://admin.example.com', 'true']);
    expect(await ask('https://evil.example')).toEqual([null, null]);
  });

  it('lets browser code read every non-safelisted header of a v1 answer: Deprecation, Sunset, Link, Retry-After, X-Request-Id', async () => {
    const t = testDatabase();
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const yoga = createAppgovYoga({
      db: t.db,
      config: { maxBulkIds: 10, corsOrigins: ['https://admin.example.com'], rateLimitPerSecond: 1, rateLimitBurst: 1 },
      logger: createLogger({ level: 'info', destination: quiet }),
    });
    const token = issueToken(t.db, 'internal').token;
    const call = () =>
      yoga.fetch('http://appgov.test/platform/v1/apps/video-meetings/assign', {
        method: 'POST',
        headers: { origin: 'https://admin.example.com', authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"directory_uid": "d1e2c3b4-a5f6-4789-8abc-def012345678"}',
      });
    // The Fetch standard's CORS-safelisted response headers, and CORS's own: readable without being exposed.
    const readable = new Set(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma', 'vary']);
    const unreadable = (res: Response) => {
      const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
      return [...res.headers.keys()].map((h) => h.toLowerCase()).filter((h) => !readable.has(h) && !h.startsWith('access-control-') && !exposed.includes(h));
    };
    const first = await call();
    const limited = await call();
    expect([first.status, limited.status]).toEqual([404, 429]);
    expect([first.headers.get('deprecation'), first.headers.get('sunset'), first.headers.get('link'), first.headers.get('x-request-id')]).toEqual([
      expect.any(String),
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
    expect(limited.headers.get('retry-after')).toEqual(expect.any(String));
    expect([unreadable(first), unreadable(limited)]).toEqual([[], []]);
  });

  it('refuses a wildcard or a path in APPGOV_CORS_ORIGINS', () => {
    expect(() => loadConfig({ APPGOV_CORS_ORIGINS: '*' })).toThrow('APPGOV_CORS_ORIGINS must be a comma-separated list of origins');
    expect(() => loadConfig({ APPGOV_CORS_ORIGINS: 'https://a.example/x' })).toThrow('got "https://a.example/x"');
    expect(loadConfig({ APPGOV_CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
  });
});

describe('GraphiQL', () => {
  const page = (yoga: ReturnType<typeof yogaWith>, headers: Record<string, string> = {}) =>
    yoga.fetch('http://appgov.test/graphql', { headers: { accept: 'text/html', ...headers } });

  it('is off by default in production and when APPGOV_GRAPHIQL=0', async () => {
    expect(loadConfig({ NODE_ENV: 'production' }).graphiql).toBe(false);
    expect(loadConfig({ APPGOV_GRAPHIQL: '0' }).graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', APPGOV_GRAPHIQL: '1' }).graphiql).toBe(true);
    const res = await page(yogaWith({ graphiql: false }));
    // No page: an HTML-only Accept is not acceptable for a GraphQL response.
    expect([res.status, await res.text()]).toEqual([406, '']);
  });

  it('is served compressed, with an ETag and Cache-Control, and 304 on revalidation', async () => {
    const yoga = yogaWith({ graphiql: true });
    const full = await page(yoga);
    const html = await full.text();
    expect(html).toContain('<title>appgov</title>');
    const gz = await page(yoga, { 'accept-encoding': 'gzip' });
    expect([gz.headers.get('content-encoding'), gz.headers.get('cache-control'), gz.headers.get('etag')]).toEqual([
      'gzip',
      'public, max-age=3600',
      full.headers.get('etag'),
    ]);
    const body = Buffer.from(await gz.arrayBuffer());
    expect(body.length).toBeLessThan(html.length / 3);
    expect(gunzipSync(body).toString()).toBe(html);
    const br = await page(yoga, { 'accept-encoding': 'gzip, br' });
    expect(br.headers.get('content-encoding')).toBe('br');
    const again = await page(yoga, { 'if-none-match': full.headers.get('etag')! });
    expect([again.status, await again.text()]).toEqual([304, '']);
  });

  it('keeps a page with the demo token private to the browser cache', async () => {
    const res = await page(yogaWith({ graphiql: true }, 'agv_demo'));
    expect(res.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(await res.text()).toContain('agv_demo');
  });

  it('embeds the demo token only on loopback addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.4', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

// These start processes on a SQLite file whichever store the project's in-process servers use: run once.
describe.skipIf(onPostgres)('APPGOV_DB that cannot be a database', () => {
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  const cases: [string, string, RegExp][] = [
    ['a folder', folder, new RegExp(`^appgov: APPGOV_DB: ${folder} is a folder, not a database file\\n$`)],
    ['under a plain file', join(file, 'appgov.db'), new RegExp(`^appgov: APPGOV_DB: cannot open or write the database file ${file}/appgov.db: .*ENOTDIR.*\\n$`)],
  ];
  it.each(cases)('%s: the CLI and the server print one line naming the variable and exit 1', async (_name, path, message) => {
    const cli = await run(process.execPath, ['bin/appgov.js', 'migrate'], { env: { ...process.env, APPGOV_DB: path } }).catch((e) => e);
    expect([cli.code, cli.stderr]).toEqual([1, expect.stringMatching(message)]);
    const server = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // The server as `npm start` runs it (compiled by test/global-setup.ts).
      const child = spawn(process.execPath, [...inject('serverFlags'), inject('serverBundle')], { env: { ...process.env, APPGOV_DB: path, PORT: '0' } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect([server.code, server.stderr]).toEqual([1, expect.stringMatching(message)]);
  }, 30_000);
});

describe('HTTP limits', () => {
  it('closes a request whose body does not arrive in time, and connections over the cap', async () => {
    const t = testDatabase();
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const server = createHttpServer(yoga, { requestTimeoutMs: 1000, headersTimeoutMs: 1000, maxConnections: 2 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const started = performance.now();
      const slow = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
        });
        let answer = '';
        socket.on('data', (d) => (answer += d));
        socket.on('close', () => resolve(answer));
      });
      expect(slow.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      expect(slow).toContain('"code":"REQUEST_TIMEOUT"');
      expect(performance.now() - started).toBeLessThan(5000);

      const open = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
      await new Promise((resolve) => setTimeout(resolve, 100));
      const third = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n'));
        let answer = '';
        socket.on('data', (d) => (answer += d));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
      // Over the cap: answered 503 in the protocol of the path (here none: GraphQL's shape), then closed.
      expect(third.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(third).toContain('"code":"UNAVAILABLE"');
      for (const socket of open) socket.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 20_000);
});

describe.skipIf(onPostgres)('npm start on a non-loopback address', () => {
  it('prints the demo token but does not put it in GraphiQL', async () => {
    const child = spawn(process.execPath, [...inject('serverFlags'), inject('serverBundle')], {
      env: { ...process.env, APPGOV_DB: join(dir, 'wide.db'), PORT: '0', HOST: '0.0.0.0', NODE_ENV: '' },
    });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error('server did not start')), 20_000);
        child.stdout.on('data', (d) => {
          text += d;
          if (/token:\s+agv_\S+/.test(text) && text.includes('Try it')) {
            clearTimeout(timer);
            resolve(text);
          }
        });
      });
      const token = /token:\s+(agv_\S+)/.exec(out)![1]!;
      const port = /serving http:\/\/[^:]+:(\d+)\//.exec(out)![1];
      expect(out).toContain('not put in GraphiQL, which is off or not on loopback');
      const page = await (await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } })).text();
      expect(page).toContain('<title>appgov</title>');
      expect(page).not.toContain(token);
      expect(page).not.toContain('agv_');
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
