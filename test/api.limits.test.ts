import { getIntrospectionQuery } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;

beforeAll(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db, { appCount: 3 }));
  token = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

const EVENT = 'id type createdAt actor { name }';

describe('operation limits', () => {
  it('allows two nested full pages: 100 apps × 100 history events each', async () => {
    const res = await gql(yoga, `query ($c: ID!) { client(id: $c) { apps(first: 100) { nodes { id name
      history(first: 100) { nodes { ${EVENT} } } } } } }`, { c: clientId }, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.client.apps.nodes).toHaveLength(3);
  });

  it('refuses a third nested page (up to a million objects) before reading any client data', async () => {
    t.sql.reset();
    const res = await gql(yoga, `query ($c: ID!) { client(id: $c) { apps(first: 100) { nodes {
      history(first: 100) { nodes { app { history(first: 100) { nodes { ${EVENT} } } } } } } } } }`, { c: clientId }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toMatch(/^The operation would return up to \d+ objects; the limit is 100000\./);
    expect(res.body.errors![0]!.extensions!.limit).toBe('complexity');
    // Only the token was looked up: the refusal comes before any resolver touches the client.
    expect(t.sql.statements).toHaveLength(1);
  });

  it('counts page sizes from variables too', async () => {
    const query = `query ($c: ID!, $n: Int) { client(id: $c) { apps(first: $n) { nodes {
      history(first: $n) { nodes { app { history(first: $n) { nodes { id } } } } } } } } }`;
    expect((await gql(yoga, query, { c: clientId, n: 5 }, token)).body.errors).toBeUndefined();
    expect(errorCodes(await gql(yoga, query, { c: clientId, n: 100 }, token))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses nesting deeper than 12', async () => {
    let inner = 'id';
    for (let i = 0; i < 4; i++) inner = `app { history(first: 1) { nodes { ${inner} } } }`;
    const res = await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 1) { nodes { ${inner} } } } }`, { c: clientId }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toMatch(/^The operation nests fields \d+ deep; the limit is 12\./);
  });

  it('refuses more than 300 selected fields', async () => {
    // Aliases have their own, lower limit (test/abuse.limits.test.ts); this server allows them, to reach breadth.
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, limits: { maxAliases: 1000 } } });
    const fields = Array.from({ length: 301 }, (_, i) => `f${i}: name`).join(' ');
    const res = await gql(yoga, `query ($c: ID!) { client(id: $c) { ${fields} } }`, { c: clientId }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toMatch(/^The operation selects fields \d+ times; the limit is 300\./);
  });

  it("leave GraphiQL's full introspection query alone", async () => {
    const res = await gql(yoga, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }), {}, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });
});
