import { Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID, seedDemoIfEmpty } from '../src/services/demo';
import { sqliteBackend } from '../src/backend';
import { createAppgovYoga, EXAMPLE_OPERATION, EXAMPLE_WITHOUT_CLIENT, graphiqlDefaultQuery, TOKEN_HINT } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';

const HOW_TO_GET_A_TOKEN = '# No token yet? Make one with: npx appgov token create --kind internal --name me';

async function graphiqlPage(yoga: ReturnType<typeof createAppgovYoga>): Promise<string> {
  return (await yoga.fetch('http://appgov.test/graphql', { headers: { accept: 'text/html' } })).text();
}

describe("GraphiQL's example", () => {
  it('is one operation that asks for `changed`, so a second run shows the idempotency', async () => {
    const t = testDatabase();
    const demo = seedDemoIfEmpty(t.db)!;
    const example = EXAMPLE_OPERATION(demo.clientId);
    const operations = parse(example).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    expect(operations).toHaveLength(1);
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const first = await gql(yoga, example, {}, demo.token);
    expect(first.body).toEqual({
      data: {
        approveApps: {
          succeeded: ['f1a2b3c4-d5e6-7890-abcd-ef1234567890', '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b'],
          changed: ['f1a2b3c4-d5e6-7890-abcd-ef1234567890', '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b'],
          failed: [{ id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', error: 'App not found', code: 'APP_NOT_FOUND' }],
        },
      },
    });
    const second = await gql(yoga, example, {}, demo.token);
    expect(second.body.data.approveApps).toEqual({ ...first.body.data.approveApps, changed: [] });
    t.close();
  });

  it('opens with the demo token and no hint on a fresh demo, and with a working example and a token hint after a restart', async () => {
    const t = testDatabase();
    const demo = seedDemoIfEmpty(t.db)!;
    const fresh = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 }, graphiqlToken: demo.token, graphiqlClientId: demo.clientId });
    expect(await graphiqlDefaultQuery(sqliteBackend(t.db), { graphiqlToken: demo.token, graphiqlClientId: demo.clientId })).toBe(EXAMPLE_OPERATION(DEMO_CLIENT_ID));
    expect(await graphiqlPage(fresh)).not.toContain('npx appgov token create');

    // A restart finds data: no demo token to embed, but the example still names the demo client.
    const restarted = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const query = await graphiqlDefaultQuery(sqliteBackend(t.db), {});
    expect(query).toBe(EXAMPLE_OPERATION(DEMO_CLIENT_ID, { tokenHint: true }));
    expect(query.startsWith(TOKEN_HINT)).toBe(true);
    expect(query).toContain(HOW_TO_GET_A_TOKEN);
    expect(await graphiqlPage(restarted)).toContain(JSON.stringify(HOW_TO_GET_A_TOKEN).slice(1, -1));
    // The hint is a comment: the example still runs as it is, with a token made as it says.
    const { token } = issueToken(t.db, 'internal', undefined, undefined, 'me');
    expect((await gql(restarted, query, {}, token)).body.data.approveApps.failed).toHaveLength(1);
    t.close();
  }, 20_000);

  it("names the database's first client when there is no demo client, and asks who the token is when there is no client", async () => {
    const t = testDatabase();
    expect(await graphiqlDefaultQuery(sqliteBackend(t.db), {})).toBe(EXAMPLE_WITHOUT_CLIENT);
    const { token } = issueToken(t.db, 'internal');
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    expect((await gql(yoga, EXAMPLE_WITHOUT_CLIENT, {}, token)).body.data.viewer.kind).toBe('INTERNAL_TOKEN');
    const { clientId } = seedTenant(t.db, { clientNumber: 7 });
    seedTenant(t.db, { clientNumber: 9 });
    expect(await graphiqlDefaultQuery(sqliteBackend(t.db), {})).toBe(EXAMPLE_OPERATION(clientId, { tokenHint: true }));
    t.close();
  });
});
