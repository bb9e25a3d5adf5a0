/**
 * Issue 16: "Schema resolvers and routes do not know which store they talk to." Served with a
 * database handle that throws on any use and a store in front of the real one, every field of the
 * schema a token can reach from the demo data, the mutations, and the REST and Slack routes answer
 * as usual: all they read and write went through the Store interface.
 */
import { GraphQLNonNull, GraphQLObjectType, getNamedType, isLeafType, type GraphQLField, type GraphQLOutputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Db } from '../src/db/open';
import { inThreadWriter } from '../src/db/writer';
import { schema } from '../src/schema';
import { DEMO_APPS, DEMO_CLIENT_ID, DEMO_REQUEST_ID, DEMO_WORKSPACES, seedDemoIfEmpty } from '../src/services/demo';
import { sqliteStore } from '../src/store/sqlite';
import type { Store } from '../src/store/store';
import { createAppgovYoga } from './helpers/yoga';
import { testDatabase } from './helpers/db';

/** Every field of `type` down to `depth`, lists paged by 2; fields with required arguments left out. */
function selectAll(type: GraphQLObjectType, depth: number): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (field.args.some((a) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined)) continue;
    const args = field.args.some((a) => a.name === 'first') ? '(first: 2)' : '';
    const named = getNamedType(field.type as GraphQLOutputType);
    if (isLeafType(named)) parts.push(`${field.name}${args}`);
    else if (depth > 0 && named instanceof GraphQLObjectType) parts.push(`${field.name}${args} { ${selectAll(named, depth - 1) || '__typename'} }`);
    else if (depth > 0) parts.push(`${field.name}${args} { __typename }`);
  }
  return parts.join(' ');
}

describe('the request path goes through the store alone', () => {
  it('answers every reachable field, the mutations and the routes with a database handle that throws on any use', async () => {
    const t = testDatabase();
    const demo = seedDemoIfEmpty(t.db)!;
    const real = sqliteStore(t.db);
    const used = new Set<string>();
    const store = new Proxy(real, {
      get(target, name) {
        used.add(String(name));
        return target[name as keyof Store];
      },
    });
    const poisoned = new Proxy({} as Db, {
      get(_target, name) {
        throw new Error(`the request path used the database directly (db.${String(name)})`);
      },
    });
    const yoga = createAppgovYoga({ db: poisoned, store, writer: inThreadWriter(t.db), scanner: inThreadWriter(t.db), config: { maxBulkIds: 50, graphiql: false } });
    const post = async (query: string) => {
      const response = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.token}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    };
    const query = (name: string) => schema.getType(name) as GraphQLObjectType;
    const [sales] = DEMO_WORKSPACES;
    const app = DEMO_APPS[0].id;
    const reads = [
      `{ viewer { ${selectAll(query('Viewer'), 3)} } }`,
      `{ client(id: "${DEMO_CLIENT_ID}") { ${selectAll(query('Client'), 3)} } }`,
      `{ workspace(id: "${sales.id}") { ${selectAll(query('Workspace'), 3)} } }`,
      `{ app(clientId: "${DEMO_CLIENT_ID}", appId: "${app}") { ${selectAll(query('App'), 2)} } }`,
      `{ appHistory(clientId: "${DEMO_CLIENT_ID}", appId: "${app}", first: 2) { nodes { __typename } } }`,
      `{ installRequest(id: "${DEMO_REQUEST_ID}") { id status } installRequests(at: { clientId: "${DEMO_CLIENT_ID}" }, first: 2) { nodes { id } } appDecisions(at: { workspaceId: "${sales.id}" }, resolution: APPROVED, first: 2) { nodes { __typename } } }`,
    ];
    for (const read of reads) {
      const answer = await post(read);
      expect(answer.errors, read.slice(0, 80)).toBeUndefined();
    }
    const writes = [
      `mutation { approveApps(clientId: "${DEMO_CLIENT_ID}", appIds: ["${app}"]) { changed } }`,
      `mutation { restrictApps(workspaceId: "${sales.id}", appIds: ["${DEMO_APPS[1].id}"]) { changed } }`,
      `mutation { addAppHistoryNote(clientId: "${DEMO_CLIENT_ID}", appId: "${app}", note: "checked") { id } }`,
      `mutation { updateApp(clientId: "${DEMO_CLIENT_ID}", appId: "${app}", input: { category: "design" }) { id } }`,
      `mutation { requestAppInstall(workspaceId: "${sales.id}", appId: "${DEMO_APPS[2].id}", requester: "sam") { id } }`,
    ];
    for (const write of writes) {
      const answer = await post(write);
      expect(answer.errors, write.slice(0, 80)).toBeUndefined();
    }
    // The REST and Slack-compatible routes run operations of the same schema.
    const rest = await yoga.fetch(`http://localhost/v2/clients/${DEMO_CLIENT_ID}/apps?approved=true`, { headers: { authorization: `Bearer ${demo.token}` } });
    expect(rest.status).toBe(200);
    const slack = await yoga.fetch(`http://localhost/api/admin.apps.requests.list?token=${demo.token}&team_id=${sales.id}`);
    expect(((await slack.json()) as { ok: boolean }).ok).toBe(true);
    // And the store was what answered them.
    expect([...used].filter((name) => name !== 'kind').length).toBeGreaterThan(12);
  });
});
