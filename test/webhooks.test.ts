/**
 * Webhooks (issue 19), through the API and the runner on both stores: registering (validation,
 * scope, tenancy, the secret shown once), delivery (signed as Slack signs, the event as
 * Client.history shows it, in commit order), retries with the same idempotency key, giving up,
 * redelivery, type filters, the private-address guard at delivery, and leases between runners.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { WebhookRunner, type WebhookConfig } from '../src/live/webhooks';
import type { Backend } from '../src/backend';
import { planAttempt, retryDelay } from '../src/services/webhooks';
import { addAppHistoryNote } from '../src/services/app-details';
import { issueToken, principalFor, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { createAppgovYoga, servedBackend, type AppgovYoga } from './helpers/yoga';

interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { webhookId: string; sequence: number; redelivery: boolean; event: Record<string, any> };
}

/** A receiver on loopback: records every request; `answer` says what status to give it. */
class Receiver {
  readonly got: Received[] = [];
  answer: (request: Received) => number = () => 200;
  private server!: Server;
  url = '';
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const received = { headers: req.headers, raw, body: JSON.parse(raw) };
        this.got.push(received);
        res.statusCode = this.answer(received);
        res.end(res.statusCode >= 300 ? 'not now' : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
    return this;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const CONFIG: WebhookConfig = {
  ...loadConfig({}),
  webhookRetryBaseMs: 30,
  webhookRetryCapMs: 1000,
  webhookMaxAttempts: 4,
  webhookTimeoutMs: 1000,
  webhookLeaseMs: 5000,
  webhookAllowPrivate: true,
  webhookPollMs: 20,
};

let t: ReturnType<typeof testDatabase>;
let backend: Backend;
let yoga: AppgovYoga;
let admin: string;
let receiver: Receiver;
const runners: WebhookRunner[] = [];
let clientN = 300;

function runner(config: Partial<WebhookConfig> = {}, now?: () => number): WebhookRunner {
  const r = new WebhookRunner({ queue: backend.webhookQueue, store: backend.store, config: { ...CONFIG, ...config }, log: (e) => console.error(e), ...(now ? { now } : {}) });
  runners.push(r);
  return r;
}

beforeAll(async () => {
  t = testDatabase();
  backend = servedBackend(t.db);
  yoga = createAppgovYoga({ backend, config: { maxBulkIds: 1000, webhookAllowPrivate: true } });
  admin = issueToken(t.db, 'internal', undefined, ['apps:read', 'apps:write', 'webhooks:write'], 'hook admin').token;
  receiver = await new Receiver().start();
});
// A started runner polls on its own: stopped after its test, so none works on the next test's lanes.
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await receiver.close();
  t.sqlite.close();
});

function tenant(apps = 3) {
  clientN++;
  return seedTenant(t.db, { clientNumber: clientN, appCount: apps, firstApp: clientN * 1000 });
}

const CREATE = /* GraphQL */ `
  mutation ($clientId: ID!, $url: String!, $types: [AppHistoryEventType!], $secret: String) {
    createWebhook(clientId: $clientId, url: $url, types: $types, secret: $secret) { secret webhook { id clientId url types createdById } }
  }`;
const NOTE = /* GraphQL */ `mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) { id } }`;
const APPROVE = /* GraphQL */ `mutation ($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids) { changed } }`;
const DELIVERIES = /* GraphQL */ `
  query ($c: ID!) { client(id: $c) { webhooks { nodes { id deliveries { nodes { eventId sequence status attempts responseCode lastError redelivery nextAttemptAt } } } } } }`;

async function createHook(clientId: string, extra: Record<string, unknown> = {}, token = admin) {
  const res = await gql(yoga, CREATE, { clientId, url: receiver.url, ...extra }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createWebhook as { secret: string | null; webhook: { id: string } };
}

async function note(clientId: string, appId: string, text: string): Promise<string> {
  const res = await gql(yoga, NOTE, { c: clientId, a: appId, n: text }, admin);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.addAppHistoryNote.id;
}

/** Waits until `check` holds (the runner works on its own timers). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const forHook = (id: string) => receiver.got.filter((r) => r.body.webhookId === id);

describe('registering a webhook', () => {
  it('generates a secret shown once; the listing never shows it; a given secret is not echoed', async () => {
    const c = tenant();
    const made = await createHook(c.clientId, { types: ['NOTE_ADDED', 'NOTE_ADDED'] });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(made.webhook).toMatchObject({ clientId: c.clientId, url: receiver.url, types: ['NOTE_ADDED'] });
    const given = await createHook(c.clientId, { secret: 'a-secret-of-my-own-choosing' });
    expect(given.secret).toBeNull();
    const listed = await gql(yoga, `query ($c: ID!) { client(id: $c) { webhooks { nodes { id types } } } }`, { c: c.clientId }, admin);
    expect(listed.body.data.client.webhooks.nodes).toEqual([
      { id: given.webhook.id, types: null },
      { id: made.webhook.id, types: ['NOTE_ADDED'] },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const c = tenant();
    const strict = createAppgovYoga({ backend, config: { maxBulkIds: 10 } });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ url: 'ftp://example.com/x' }, 'url', /http or https/],
      [{ url: 'not a url' }, 'url', /absolute/],
      [{ url: 'https://user:pw@example.com/' }, 'url', /user name or password/],
      [{ url: `https://example.com/${'x'.repeat(2100)}` }, 'url', /2048/],
      [{ url: 'http://127.0.0.1:9/x' }, 'url', /loopback, link-local or private/],
      [{ url: 'http://[::ffff:10.0.0.1]/x' }, 'url', /private/],
      [{ url: 'http://169.254.169.254/latest/meta-data' }, 'url', /private/],
      [{ url: 'http://localhost:9/x' }, 'url', /localhost/],
      [{ url: 'https://example.com/', types: [] }, 'types', /at least one/],
      [{ url: 'https://example.com/', secret: 'short' }, 'secret', /16 to 256/],
      [{ url: 'https://example.com/', secret: 'has spaces in it, sixteen+' }, 'secret', /16 to 256/],
    ];
    for (const [args, field, message] of cases) {
      const res = await gql(strict, CREATE, { clientId: c.clientId, ...args }, admin);
      expect(errorCodes(res), JSON.stringify(args).slice(0, 80)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!.field).toBe(field);
      expect(res.body.errors![0]!.message).toMatch(message);
    }
    const listed = await gql(yoga, `query ($c: ID!) { client(id: $c) { webhooks { nodes { id } } } }`, { c: c.clientId }, admin);
    expect(listed.body.data.client.webhooks.nodes).toEqual([]);
  });

  it('allows at most 10 per client', async () => {
    const c = tenant();
    for (let i = 0; i < 10; i++) await createHook(c.clientId);
    const res = await gql(yoga, CREATE, { clientId: c.clientId, url: receiver.url }, admin);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.extensions).toMatchObject({ limit: 'webhooksPerClient', max: 10 });
  });

  it('needs webhooks:write to write and apps:read to read; a client token reaches its own client only', async () => {
    const a = tenant();
    const b = tenant();
    const noScope = issueToken(t.db, 'internal', undefined, ['apps:read', 'apps:write']).token;
    const refused = await gql(yoga, CREATE, { clientId: a.clientId, url: receiver.url }, noScope);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ needed: 'webhooks:write' });
    const bHook = await createHook(b.clientId);
    const aToken = issueToken(t.db, 'client', a.clientId, ['apps:read', 'webhooks:write']).token;
    expect(errorCodes(await gql(yoga, CREATE, { clientId: b.clientId, url: receiver.url }, aToken))).toEqual(['FORBIDDEN']);
    // Another client's webhook is NOT_FOUND, as an unknown one: deleting, redelivering.
    const del = await gql(yoga, `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: bHook.webhook.id }, aToken);
    expect(errorCodes(del)).toEqual(['NOT_FOUND']);
    const eventId = await note(b.clientId, b.appIds[0]!, 'b only');
    const redo = await gql(yoga, `mutation ($w: ID!, $e: ID!) { redeliverWebhookEvent(webhookId: $w, eventId: $e) { id } }`, { w: bHook.webhook.id, e: eventId }, aToken);
    expect(errorCodes(redo)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(yoga, `query ($c: ID!) { client(id: $c) { webhooks { nodes { id } } } }`, { c: b.clientId }, aToken))).toEqual(['FORBIDDEN']);
    // Its own: created, then deleted by id.
    const own = (await gql(yoga, CREATE, { clientId: a.clientId, url: receiver.url }, aToken)).body.data.createWebhook.webhook.id;
    const gone = await gql(yoga, `mutation ($id: ID!) { deleteWebhook(id: $id) { id url } }`, { id: own }, aToken);
    expect(gone.body.data.deleteWebhook).toEqual({ id: own, url: receiver.url });
    expect(errorCodes(await gql(yoga, `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: own }, aToken))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql(yoga, `mutation { deleteWebhook(id: "nope") { id } }`, {}, aToken))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('listing', () => {
  it("pages a client's webhooks and a webhook's deliveries newest first; a cursor of another list is refused", async () => {
    const c = tenant();
    const hooks = [];
    for (let i = 0; i < 3; i++) hooks.push((await createHook(c.clientId)).webhook.id);
    const PAGE = `query ($c: ID!, $after: String) { client(id: $c) { webhooks(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await gql(yoga, PAGE, { c: c.clientId }, admin)).body.data.client.webhooks;
    const rest = (await gql(yoga, PAGE, { c: c.clientId, after: first.pageInfo.endCursor }, admin)).body.data.client.webhooks;
    expect([...first.nodes, ...rest.nodes].map((n: { id: string }) => n.id).sort()).toEqual([...hooks].sort());
    expect([first.pageInfo.hasNextPage, rest.pageInfo.hasNextPage, rest.nodes.length]).toEqual([true, false, 1]);
    const other = tenant();
    const refused = await gql(yoga, PAGE, { c: other.clientId, after: first.pageInfo.endCursor }, admin);
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    // Deliveries: three events delivered, paged two and one.
    for (const text of ['a', 'b', 'c']) await note(c.clientId, c.appIds[0]!, text);
    const r = runner();
    await r.tick();
    await r.idle();
    const DPAGE = `query ($c: ID!, $after: String) { client(id: $c) { webhooks(first: 1) { nodes { deliveries(first: 2, after: $after) { nodes { sequence } pageInfo { endCursor } } } } } }`;
    const d1 = (await gql(yoga, DPAGE, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries;
    const d2 = (await gql(yoga, DPAGE, { c: c.clientId, after: d1.pageInfo.endCursor }, admin)).body.data.client.webhooks.nodes[0].deliveries;
    const sequences = [...d1.nodes, ...d2.nodes].map((n: { sequence: number }) => n.sequence);
    expect(sequences).toHaveLength(3);
    expect(sequences).toEqual([...sequences].sort((x, y) => y - x));
  });
});

describe('delivering', () => {
  it('POSTs each new event once, in commit order, signed as Slack signs, the event as Client.history shows it', async () => {
    const c = tenant();
    const before = await note(c.clientId, c.appIds[0]!, 'before the webhook');
    const hook = await createHook(c.clientId);
    await gql(yoga, APPROVE, { c: c.clientId, ids: [c.appIds[1], c.appIds[2]] }, admin);
    const n = await note(c.clientId, c.appIds[0]!, 'after');
    const r = runner();
    await r.tick();
    await r.idle();
    const got = forHook(hook.webhook.id);
    expect(got).toHaveLength(3);
    const history = await gql(
      yoga,
      `query ($c: ID!) { client(id: $c) { history(first: 3) { nodes { __typename id type appId clientId createdAt actor { id kind name }
        ... on ApprovalStatusChangedEvent { wasApproved isApproved fromResolution toResolution reason approvedScopes installRequestId expiresAt }
        ... on NoteAddedEvent { note } } } } }`,
      { c: c.clientId },
      admin,
    );
    const newestFirst = history.body.data.client.history.nodes as Record<string, unknown>[];
    expect(got.map((g) => g.body.event)).toEqual([...newestFirst].reverse());
    expect(got.map((g) => g.body.event.id)).not.toContain(before);
    expect(got[2]!.body.event.id).toBe(n);
    const sequences = got.map((g) => g.body.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    for (const g of got) {
      const ts = g.headers['x-appgov-request-timestamp'] as string;
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
      const expected = `v0=${createHmac('sha256', hook.secret!).update(`v0:${ts}:${g.raw}`).digest('hex')}`;
      expect(g.headers['x-appgov-signature']).toBe(expected);
      expect(g.headers['x-appgov-event-id']).toBe(g.body.event.id);
      expect(g.headers['content-type']).toBe('application/json');
    }
    // Nothing more on the next look.
    await r.tick();
    await r.idle();
    expect(forHook(hook.webhook.id)).toHaveLength(3);
    const deliveries = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
    expect(deliveries.map((d: { status: string; attempts: number; responseCode: number }) => [d.status, d.attempts, d.responseCode])).toEqual([
      ['DELIVERED', 1, 200],
      ['DELIVERED', 1, 200],
      ['DELIVERED', 1, 200],
    ]);
  });

  it('a receiver that fails twice then succeeds gets the event three times with the same event id, and the next event only after it', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    const first = await note(c.clientId, c.appIds[0]!, 'one');
    const second = await note(c.clientId, c.appIds[0]!, 'two');
    let failures = 2;
    receiver.answer = (g) => (g.body.webhookId === hook.webhook.id && g.body.event.id === first && failures-- > 0 ? 503 : 200);
    try {
      runner().start();
      await until(() => forHook(hook.webhook.id).length >= 4);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      receiver.answer = () => 200;
    }
    const got = forHook(hook.webhook.id);
    expect(got.map((g) => g.headers['x-appgov-event-id'])).toEqual([first, first, first, second]);
    const deliveries = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
    const byEvent = new Map(deliveries.map((d: { eventId: string }) => [d.eventId, d]));
    expect(byEvent.get(first)).toMatchObject({ status: 'DELIVERED', attempts: 3, responseCode: 200, lastError: null, nextAttemptAt: null });
    expect(byEvent.get(second)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
  });

  it('gives an event up after APPGOV_WEBHOOK_MAX_ATTEMPTS and goes on; redeliverWebhookEvent sends it again', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    const doomed = await note(c.clientId, c.appIds[0]!, 'doomed');
    const next = await note(c.clientId, c.appIds[0]!, 'next');
    receiver.answer = (g) => (g.body.webhookId === hook.webhook.id && g.body.event.id === doomed && !g.body.redelivery ? 500 : 200);
    try {
      const r = runner({ webhookMaxAttempts: 2 }).start();
      await until(() => forHook(hook.webhook.id).length >= 3);
      const deliveries = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
      const failed = deliveries.find((d: { eventId: string }) => d.eventId === doomed);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 2, responseCode: 500, nextAttemptAt: null });
      expect(failed.lastError).toMatch(/^HTTP 500: not now/);
      expect(forHook(hook.webhook.id).map((g) => g.body.event.id)).toEqual([doomed, doomed, next]);
      const redo = await gql(yoga, `mutation ($w: ID!, $e: ID!) { redeliverWebhookEvent(webhookId: $w, eventId: $e) { eventId status attempts redelivery } }`, { w: hook.webhook.id, e: doomed }, admin);
      expect(redo.body.data.redeliverWebhookEvent).toEqual({ eventId: doomed, status: 'PENDING', attempts: 0, redelivery: true });
      r.nudge();
      await until(() => forHook(hook.webhook.id).length >= 4);
      const again = forHook(hook.webhook.id)[3]!;
      expect([again.body.event.id, again.body.redelivery, again.headers['x-appgov-event-id']]).toEqual([doomed, true, doomed]);
      // An event of another client is not this webhook's.
      const other = tenant();
      const foreign = await note(other.clientId, other.appIds[0]!, 'foreign');
      const refused = await gql(yoga, `mutation ($w: ID!, $e: ID!) { redeliverWebhookEvent(webhookId: $w, eventId: $e) { id } }`, { w: hook.webhook.id, e: foreign }, admin);
      expect(errorCodes(refused)).toEqual(['NOT_FOUND']);
      expect(refused.body.errors![0]!.extensions!.field).toBe('eventId');
      // Deleting the webhook drops its deliveries with it, and nothing more is sent to it.
      await r.stop();
      const count = () => (t.sqlite.prepare('SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ?').get(hook.webhook.id) as { n: number }).n;
      expect(count()).toBeGreaterThan(0);
      const gone = await gql(yoga, `mutation ($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: hook.webhook.id }, admin);
      expect(gone.body.errors).toBeUndefined();
      expect(count()).toBe(0);
      const sent = forHook(hook.webhook.id).length;
      await note(c.clientId, c.appIds[0]!, 'after the delete');
      const after = runner();
      await after.tick();
      await after.idle();
      expect(forHook(hook.webhook.id)).toHaveLength(sent);
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('sends only the types asked for', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId, { types: ['APPROVAL_STATUS_CHANGED'] });
    await note(c.clientId, c.appIds[0]!, 'not sent');
    await gql(yoga, APPROVE, { c: c.clientId, ids: [c.appIds[1]] }, admin);
    await note(c.clientId, c.appIds[0]!, 'not sent either');
    const r = runner();
    await r.tick();
    await r.idle();
    expect(forHook(hook.webhook.id).map((g) => [g.body.event.type, g.body.event.appId])).toEqual([['APPROVAL_STATUS_CHANGED', c.appIds[1]]]);
  });

  it('refuses, at delivery, a name that resolves to a loopback address when private targets are not allowed', async () => {
    const c = tenant();
    // Registered while allowed; delivered by a runner that does not allow them.
    const res = await gql(yoga, CREATE, { clientId: c.clientId, url: receiver.url.replace('127.0.0.1', 'localhost') }, admin);
    const hookId = res.body.data.createWebhook.webhook.id as string;
    await note(c.clientId, c.appIds[0]!, 'to a private address');
    const r = runner({ webhookAllowPrivate: false, webhookMaxAttempts: 1 });
    await r.tick();
    await r.idle();
    expect(forHook(hookId)).toEqual([]);
    const deliveries = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'FAILED', responseCode: null });
    expect(deliveries[0].lastError).toMatch(/loopback, link-local or private/);
  });

  it('fails an attempt the receiver does not answer within APPGOV_WEBHOOK_TIMEOUT_MS, and an IP literal on a private range at delivery', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const c = tenant();
      const port = (silent.address() as { port: number }).port;
      await createHook(c.clientId, { url: `http://127.0.0.1:${port}/slow` });
      await note(c.clientId, c.appIds[0]!, 'never answered');
      const r = runner({ webhookTimeoutMs: 200, webhookMaxAttempts: 1 });
      const started = Date.now();
      await r.tick();
      await r.idle();
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      const [delivery] = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
      expect(delivery).toMatchObject({ status: 'FAILED', responseCode: null, lastError: 'no answer within 200 ms' });
      // The same target refused outright by a runner that does not allow private addresses (no connection made).
      const d = tenant();
      await createHook(d.clientId, { url: `http://127.0.0.1:${port}/slow` });
      await note(d.clientId, d.appIds[0]!, 'to a literal');
      const strict = runner({ webhookAllowPrivate: false, webhookMaxAttempts: 1 });
      await strict.tick();
      await strict.idle();
      const [refused] = (await gql(yoga, DELIVERIES, { c: d.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
      expect(refused.lastError).toBe('127.0.0.1 is a loopback, link-local or private address, which webhooks may not reach');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('never follows a redirect', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    await note(c.clientId, c.appIds[0]!, 'redirected');
    receiver.answer = (g) => (g.body.webhookId === hook.webhook.id ? 302 : 200);
    try {
      const r = runner({ webhookMaxAttempts: 1 });
      await r.tick();
      await r.idle();
    } finally {
      receiver.answer = () => 200;
    }
    expect(forHook(hook.webhook.id)).toHaveLength(1);
    const deliveries = (await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes;
    expect(deliveries[0]).toMatchObject({ status: 'FAILED', responseCode: 302 });
    expect(deliveries[0].lastError).toMatch(/not followed/);
  });
});

describe('waking', () => {
  it('a caught-up lane sleeps (no claim); any write of its history wakes it, in the write\'s transaction; a wake during a turn keeps it due', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    await note(c.clientId, c.appIds[0]!, 'first');
    const r = runner();
    await r.tick();
    await r.idle();
    expect(forHook(hook.webhook.id)).toHaveLength(1);
    const claim = (now = Date.now()) => backend.webhookQueue.claimLanes({ owner: 'probe', leaseMs: 1000, now, limit: 100 });
    // Asleep: nothing of this client's is due, now or later.
    expect((await claim(Date.now() + 60_000)).map((l) => l.id)).not.toContain(hook.webhook.id);
    // A write made outside any server (as the CLI's): the trigger on the history claim wakes the lane.
    addAppHistoryNote(t.db, { clientId: c.clientId, appId: c.appIds[0]!, note: 'from outside', actor: principalFor(t.db) });
    const [lane] = (await claim()).filter((l) => l.id === hook.webhook.id);
    expect(lane).toBeDefined();
    // Another write while the lane is held: the holder's rest (with the wakes it saw) leaves it due.
    await note(c.clientId, c.appIds[0]!, 'during the turn');
    const terms = { owner: 'probe', leaseMs: 1000, now: Date.now() };
    expect(await backend.webhookQueue.rest(terms, hook.webhook.id, lane!.wakes)).toBe(false);
    await backend.webhookQueue.release('probe', hook.webhook.id);
    await r.tick();
    await r.idle();
    expect(forHook(hook.webhook.id).map((g) => g.body.event.note)).toEqual(['first', 'from outside', 'during the turn']);
  });
});

describe('retention', () => {
  it('finished deliveries older than APPGOV_WEBHOOK_RETENTION_DAYS go when the lane catches up', async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    const old = await note(c.clientId, c.appIds[0]!, 'old');
    const r = runner();
    await r.tick();
    await r.idle();
    const eventIds = async () =>
      ((await gql(yoga, DELIVERIES, { c: c.clientId }, admin)).body.data.client.webhooks.nodes[0].deliveries.nodes as { eventId: string }[]).map((d) => d.eventId);
    expect(await eventIds()).toEqual([old]);
    const fresh = await note(c.clientId, c.appIds[0]!, 'fresh');
    // 31 days on: the old delivery is past the 30 days kept; the one made now stays.
    const later = runner({}, () => Date.now() + 31 * 86_400_000);
    await later.tick();
    await later.idle();
    expect(await eventIds()).toEqual([fresh]);
  });
});

describe('leases', () => {
  it('two runners at once deliver each event once', async () => {
    const c = tenant();
    const hooks = [await createHook(c.clientId), await createHook(c.clientId), await createHook(c.clientId)];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await note(c.clientId, c.appIds[0]!, `n${i}`));
    const a = runner();
    const b = runner();
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    await Promise.all([a.idle(), b.idle()]);
    for (const hook of hooks) expect(forHook(hook.webhook.id).map((g) => g.body.event.id)).toEqual(ids);
  });

  it("a dead runner's lane is taken over once its lease runs out", async () => {
    const c = tenant();
    const hook = await createHook(c.clientId);
    const id = await note(c.clientId, c.appIds[0]!, 'orphaned');
    // A runner that leased the lane and died: it never records or releases.
    const leased = await backend.webhookQueue.claimLanes({ owner: 'dead instance', leaseMs: CONFIG.webhookLeaseMs, now: Date.now(), limit: 100 });
    expect(leased.map((l) => l.id)).toContain(hook.webhook.id);
    const live = runner();
    await live.tick();
    await live.idle();
    expect(forHook(hook.webhook.id)).toEqual([]);
    // Past the lease: taken over and delivered.
    const later = runner({}, () => Date.now() + CONFIG.webhookLeaseMs + 1);
    await later.tick();
    await later.idle();
    expect(forHook(hook.webhook.id).map((g) => g.body.event.id)).toEqual([id]);
  });
});

describe('the retry plan', () => {
  const policy = { maxAttempts: 4, retryBaseMs: 1000, retryCapMs: 3000 };
  const delivery = { id: null, eventId: 'e', at: 10, clientSeq: 7, redelivery: false, attempts: 0 };
  it('waits the base, then doubles up to the cap; gives up after the last attempt and moves the lane past its own event only', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, policy))).toEqual([1000, 2000, 3000, 3000, 3000]);
    expect(planAttempt(delivery, { ok: false, responseCode: 500, error: 'x' }, policy, 0)).toEqual({ status: 'pending', attempts: 1, nextAttemptAt: 1000, moveTo: null });
    expect(planAttempt({ ...delivery, attempts: 2 }, { ok: false, responseCode: 500, error: 'x' }, policy, 0)).toMatchObject({ attempts: 3, nextAttemptAt: 3000 });
    expect(planAttempt({ ...delivery, attempts: 3 }, { ok: false, responseCode: null, error: 'x' }, policy, 0)).toEqual({ status: 'failed', attempts: 4, nextAttemptAt: null, moveTo: { at: 10, clientSeq: 7 } });
    expect(planAttempt(delivery, { ok: true, responseCode: 204, error: null }, policy, 0)).toEqual({ status: 'delivered', attempts: 1, nextAttemptAt: null, moveTo: { at: 10, clientSeq: 7 } });
    expect(planAttempt({ ...delivery, redelivery: true }, { ok: true, responseCode: 200, error: null }, policy, 0).moveTo).toBeNull();
  });
});
