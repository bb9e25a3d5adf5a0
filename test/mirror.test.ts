/**
 * The Postgres run's fixture (test/helpers/mirror.ts): what a test arranges on SQLite is what the
 * Postgres store serves, and what a call writes on Postgres is what the test then reads on SQLite.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/postgres';
import { postgresBackend } from '../src/store/postgres/backend';
import { createAppgovYoga } from '../src/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';
import { postgresMirror, type Mirror } from './helpers/mirror';
import { freshPostgresDatabase } from './helpers/postgres';
import { dumpRows } from './helpers/postgres-contract';

const mirrors: Mirror[] = [];
afterAll(async () => {
  for (const m of mirrors.splice(0)) await m.close();
});

const APPROVE = `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { changed } }`;

describe('the Postgres run of the API tests', () => {
  it('serves from Postgres what the test arranged on SQLite, and carries every write back', async () => {
    const t = testDatabase();
    const { clientId, appIds } = seedTenant(t.db, { appCount: 3 });
    const token = issueToken(t.db, 'internal').token;
    const mirror = postgresMirror(t.db);
    mirrors.push(mirror);
    const yoga = createAppgovYoga({ backend: mirror.backendFor(), config: { maxBulkIds: 10 } });
    const pool = new pg.Pool({ connectionString: await mirror.url(), max: 1 });
    try {
      const read = async (text: string) => (await pool.query(text)).rows;
      const first = await gql(yoga, APPROVE, { c: clientId, a: appIds.slice(0, 2) }, token);
      expect(first.body).toEqual({ data: { approveApps: { changed: appIds.slice(0, 2) } } });
      // The write happened on Postgres (its rows), and the fixture holds the same rows.
      const onPostgres = await dumpRows(read);
      expect(onPostgres.events).toHaveLength(2);
      expect(await dumpRows(async (text) => t.sqlite.prepare(text).all() as Record<string, unknown>[])).toEqual(onPostgres);
      // What the test changes on SQLite afterwards is what Postgres serves next: a revoked token is refused there.
      t.sqlite.prepare('UPDATE tokens SET revoked_at = 1').run();
      const refused = await gql(yoga, APPROVE, { c: clientId, a: appIds.slice(2) }, token);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await read('SELECT count(*)::int AS n FROM tokens WHERE revoked_at IS NOT NULL'))[0]).toEqual({ n: 1 });
    } finally {
      await pool.end();
    }
  });

  it("a Postgres server lets a quarter of its pool serve one request's calls at once", async () => {
    const opened = await openPostgres(await freshPostgresDatabase(), { poolSize: 10 });
    try {
      expect(postgresBackend(opened).callsPerRequest).toBe(2);
    } finally {
      await opened.close();
    }
  });
});
