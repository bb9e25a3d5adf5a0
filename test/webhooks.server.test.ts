/**
 * Webhooks across a crash (issue 19): a compiled server (as `npm start` runs it) is killed with
 * SIGKILL while its receiver holds the first attempt open; a new server on the same database takes
 * the lane over once the dead one's lease runs out, and the event is delivered (with the same
 * X-Appgov-Event-Id). On a SQLite file and on Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_APPS, DEMO_CLIENT_ID } from '../src/services/demo';
import { freshPostgresDatabase } from './helpers/postgres';
import { startServer, stopServer, type StartedServer } from './helpers/server';

async function graphql(server: StartedServer, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

async function deliveredAfterKill(env: Record<string, string>) {
  const got: { eventId: string; at: number }[] = [];
  let hold = true;
  const held: ServerResponse[] = [];
  let firstArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.push({ eventId: String(req.headers['x-appgov-event-id']), at: Date.now() });
      if (hold) {
        held.push(res);
        firstArrived();
        return;
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const serverEnv = {
    ...env,
    APPGOV_WEBHOOK_ALLOW_PRIVATE: '1',
    APPGOV_WEBHOOK_LEASE_MS: '2000',
    APPGOV_WEBHOOK_TIMEOUT_MS: '1000',
    APPGOV_WEBHOOK_POLL_MS: '50',
    APPGOV_WEBHOOK_RETRY_BASE_MS: '50',
    APPGOV_METRICS_TOKEN: 'metrics-token-for-the-webhook-test',
  };
  const a = await startServer(serverEnv);
  let b: StartedServer | undefined;
  try {
    const token = /token:\s+(\S+)/.exec(a.stdout())![1]!;
    const created = await graphql(a, token, 'mutation ($c: ID!, $u: String!) { createWebhook(clientId: $c, url: $u) { webhook { id } } }', { c: DEMO_CLIENT_ID, u: url });
    const webhookId = created.createWebhook.webhook.id as string;
    const noted = await graphql(a, token, 'mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "crash") { id } }', {
      c: DEMO_CLIENT_ID,
      a: DEMO_APPS[0]!.id,
    });
    const eventId = noted.addAppHistoryNote.id as string;
    await arrived;
    // Mid-delivery: the receiver holds the attempt open; the server dies without a word.
    const killedAt = Date.now();
    a.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await exited;
    for (const res of held.splice(0)) res.destroy();
    hold = false;
    b = await startServer(serverEnv);
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got.map((g) => g.eventId)).toEqual([eventId, eventId]);
    // Taken over once the dead server's lease ran out, not before.
    expect(got[1]!.at - killedAt).toBeGreaterThanOrEqual(1500);
    const read = await graphql(b, token, 'query ($c: ID!) { client(id: $c) { webhooks { nodes { id deliveries { nodes { eventId status attempts } } } } } }', { c: DEMO_CLIENT_ID });
    const hook = read.client.webhooks.nodes.find((w: { id: string }) => w.id === webhookId);
    expect(hook.deliveries.nodes).toEqual([{ eventId, status: 'DELIVERED', attempts: 1 }]);
    // Once: nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(got).toHaveLength(2);
    // The new server counted its one attempt.
    const metrics = await (await fetch(`${b.base}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-the-webhook-test' } })).text();
    expect(metrics).toMatch(/^appgov_webhook_attempts_total\{outcome="delivered"\} 1$/m);
  } finally {
    if (b) await stopServer(b);
    if (a.child.exitCode === null && a.child.signalCode === null) await stopServer(a);
    await new Promise((resolve) => receiver.close(resolve));
  }
}

describe('a server killed mid-delivery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-webhooks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('on a SQLite file: the next server delivers the event once the lease runs out', async () => {
    await deliveredAfterKill({ APPGOV_DB: join(dir, 'hooks.db') });
  }, 30_000);

  it('on Postgres: the next server delivers the event once the lease runs out', async () => {
    await deliveredAfterKill({ APPGOV_DATABASE_URL: await freshPostgresDatabase() });
  }, 30_000);
});
