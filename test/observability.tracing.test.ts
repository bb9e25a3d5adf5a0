import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { afterAll, describe, expect, it } from 'vitest';
import { tracingPlugin } from '../src/observability/tracing';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { startServer, stopServer } from './helpers/server';

const SMALL_READ = 'query SmallRead($c: ID!) { client(id: $c) { name apps(first: 2) { nodes { id } } } }';
const dir = mkdtempSync(join(tmpdir(), 'appgov-tracing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OpenTelemetry tracing', () => {
  it('puts one SERVER span per operation, without variables or results, in the configured provider', async () => {
    const exporter = new tracing.InMemorySpanExporter();
    const provider = new tracing.BasicTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
    const t = testDatabase();
    const { clientId } = seedTenant(t.db, { clientNumber: 1, appCount: 2 });
    const other = seedTenant(t.db, { clientNumber: 2 });
    const { token } = issueToken(t.db, 'client', clientId);
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 }, tracing: tracingPlugin(provider) });

    expect((await gql(yoga, SMALL_READ, { c: clientId }, token)).body.errors).toBeUndefined();
    expect(errorCodes(await gql(yoga, SMALL_READ, { c: other.clientId }, token))).toEqual(['FORBIDDEN']);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.kind, s.status.code])).toEqual([
      ['query.SmallRead', SpanKind.SERVER, SpanStatusCode.UNSET],
      ['query.SmallRead', SpanKind.SERVER, SpanStatusCode.ERROR],
    ]);
    expect(spans[0]!.attributes).toEqual({
      'graphql.execute.operationName': 'SmallRead',
      'graphql.execute.operationType': 'query',
    });
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(clientId);
    await provider.shutdown();
    t.close();
  });

  it('exports spans to OTEL_EXPORTER_OTLP_ENDPOINT from a started server, and flushes them on SIGTERM', async () => {
    const received: { path: string; body: any }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const server = await startServer({
      APPGOV_DB: join(dir, 'traced.db'),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: '',
    });
    try {
      const token = /token:\s+(agv_\S+)/.exec(server.stdout())![1]!;
      const res = await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SMALL_READ, variables: { c: 'aa7cf840-9ca9-46a3-9778-9015d6580d50' } }),
      });
      expect((await res.json()).errors).toBeUndefined();
      expect(server.logLines().find((l) => l.msg === 'listening')).toEqual(expect.objectContaining({ tracing: true }));
    } finally {
      expect(await stopServer(server)).toBe(0);
      collector.close();
    }
    expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
    const [resourceSpans] = received[0]!.body.resourceSpans;
    expect(resourceSpans.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'appgov' } });
    expect(resourceSpans.scopeSpans.flatMap((s: any) => s.spans.map((span: any) => span.name))).toEqual(['query.SmallRead']);
  }, 60_000);

  it('is off when OTEL_EXPORTER_OTLP_ENDPOINT is empty or unset', async () => {
    const server = await startServer({ APPGOV_DB: join(dir, 'plain.db'), OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    try {
      expect(server.logLines().find((l) => l.msg === 'listening')).toEqual(expect.objectContaining({ tracing: false }));
    } finally {
      await stopServer(server);
    }
  }, 60_000);
});
