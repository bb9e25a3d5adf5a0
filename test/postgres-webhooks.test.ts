/**
 * The webhook statements on Postgres are index seeks, with statistics (ANALYZE): a client's
 * webhooks, a webhook's deliveries, a lane's next delivery, and the runners' claim of the due lanes,
 * whose cost does not grow with the webhooks that are idle or of other tenants.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { listWebhookDeliveries, listWebhooks, postgresWebhookQueue } from '../src/store/postgres/webhooks';
import { freshPostgresDatabase } from './helpers/postgres';
import { planNodes, statementOf, type Statement } from './helpers/postgres-plans';

let url: string;
let opened: OpenedPostgres;
const pools: pg.Pool[] = [];
const CLIENTS = 200;
const HOOKS_PER_CLIENT = 10;
let someClient: string;
let someWebhook: string;

beforeAll(async () => {
  url = await freshPostgresDatabase();
  opened = await openPostgres(url, { poolSize: 2 });
  const now = Date.now();
  // 200 clients × 10 webhooks, all asleep but 3; 20,000 deliveries on one webhook.
  await opened.pool.query(`INSERT INTO clients (id, name, created_at) SELECT 'c-' || g, 'Client ' || g, ${now} FROM generate_series(1, ${CLIENTS}) AS g`);
  await opened.pool.query(`
    INSERT INTO webhooks (id, client_id, url, secret, created_at, created_by, position_at, position_seq)
    SELECT 'w-' || c || '-' || h, 'c-' || c, 'https://hooks.example.com/' || h, 'secret-secret-secret', ${now} + h, 't', 0, 0
    FROM generate_series(1, ${CLIENTS}) AS c, generate_series(1, ${HOOKS_PER_CLIENT}) AS h`);
  await opened.pool.query(`UPDATE webhooks SET due_at = ${now - 1000} WHERE id IN ('w-1-1', 'w-50-2', 'w-99-3')`);
  await opened.pool.query(`
    INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_at, event_seq, status, attempts, created_at, updated_at)
    SELECT 'd-' || g, 'w-7-1', 'e-' || g, ${now} + g, g, CASE WHEN g % 1000 = 0 THEN 'pending' ELSE 'delivered' END, 1, ${now} + g, ${now} + g
    FROM generate_series(1, 20000) AS g`);
  await opened.pool.query('ANALYZE');
  someClient = 'c-7';
  someWebhook = 'w-7-1';
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await opened?.close();
});

/** The plan's nodes; a data-modifying statement runs in a transaction rolled back after. */
async function plan(statement: Statement) {
  const client = await opened.pool.connect();
  try {
    await client.query('BEGIN');
    return await planNodes(client, statement);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

function expectSeek(nodes: Record<string, unknown>[], index: string, maxRows: number) {
  const scans = nodes.filter((n) => String(n['Node Type']).includes('Scan'));
  expect(scans.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])).toEqual([]);
  expect(scans.map((n) => n['Index Name'])).toContain(index);
  const read = scans.reduce((sum, n) => sum + Number(n['Actual Rows'] ?? 0) * Number(n['Actual Loops'] ?? 1), 0);
  expect(read).toBeLessThanOrEqual(maxRows);
}

it("a client's webhooks: a seek on webhooks_client_idx", async () => {
  const statement = await statementOf(url, pools, (db) => listWebhooks(db, { clientId: someClient, first: 5 }));
  expectSeek(await plan(statement), 'webhooks_client_idx', 6);
});

it("a webhook's deliveries: a seek on webhook_deliveries_webhook_idx, its first page only", async () => {
  const statement = await statementOf(url, pools, (db) => listWebhookDeliveries(db, { webhookId: someWebhook, first: 5 }));
  expectSeek(await plan(statement), 'webhook_deliveries_webhook_idx', 6);
});

it("a lane's next delivery: a seek on webhook_deliveries_pending_idx", async () => {
  const statement = await statementOf(url, pools, (db) => postgresWebhookQueue(db).laneHead(someWebhook));
  expectSeek(await plan(statement), 'webhook_deliveries_pending_idx', 1);
});

it('the runners\' claim: a seek on webhooks_due_idx that reads the due lanes only, not the 2,000 webhooks', async () => {
  const statement = await statementOf(url, pools, (db) => postgresWebhookQueue(db).claimLanes({ owner: randomUUID(), leaseMs: 1000, now: Date.now(), limit: 16 }));
  // The 3 due lanes, their rows locked and updated: no other webhook is read.
  expectSeek(await plan(statement), 'webhooks_due_idx', 3 * 3);
});
