/**
 * Issue 17 item 1: a mutation that answers an error wrote nothing. A mutation's
 * result selection runs after the write, so every field it can reach is checked
 * before the write (src/limits/preflight.ts), or refused when nothing declares
 * its check. These tests walk the schema: every field reachable from every
 * mutation, selected alone, with the least-privileged token the mutation takes
 * and with a full token, with its list arguments out of bounds: an answer with
 * errors never comes with a write.
 */
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLNamedType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/auth/tokens';
import { mutationResultFields, preflight, preflightFields, usePreflight } from '../src/limits/preflight';
import { schema } from '../src/schema/index';
import { createApp } from '../src/services/apps';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { seedDirectories, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql, type GraphQLResponse } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let ids: ReturnType<typeof seedDirectories>['ids'];
let full: string;
let writer: string;
let requester: string;
let assigner: string;
let hooker: string;
let tenants = 0;
const WS = uuid(7001);
const APP = uuid(7002);
let pool: { id: string; codeName: string }[];
let next = 0;
const fresh = () => {
  const app = pool[next++];
  if (!app) throw new Error('the app pool ran out: raise POOL');
  return app;
};
const POOL = 4000;
let categories = 0;

beforeAll(() => {
  t = testDatabase();
  ({ ids } = seedDirectories(t.db));
  createWorkspace(t.db, { clientId: ids.myBusiness, name: 'Sales', id: WS });
  createApp(t.db, { id: APP, name: 'Chat', scopes: ['chat:write'] });
  pool = Array.from({ length: POOL }, (_, i) => createApp(t.db, { id: uuid(10_000 + i), name: `Pool ${i}`, scopes: ['chat:write'] }));
  full = createToken(t.db, { kind: 'internal', name: 'full', scopes: ['apps:read', 'apps:write', 'apps:request', 'webhooks:write'] }).token;
  writer = createToken(t.db, { kind: 'client', clientId: ids.myBusiness, name: 'writer', scopes: ['apps:write'] }).token;
  requester = createToken(t.db, { kind: 'client', clientId: ids.myBusiness, name: 'requester', scopes: ['apps:request'] }).token;
  assigner = createToken(t.db, { kind: 'internal', name: 'assigner', scopes: ['apps:write'] }).token;
  hooker = createToken(t.db, { kind: 'internal', name: 'hooker', scopes: ['webhooks:write'] }).token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

async function ok(query: string, variables: Record<string, unknown>) {
  const res = await gql(yoga, query, variables, full);
  expect(res.body.errors).toBeUndefined();
  return res.body.data;
}

/** One call of a mutation that writes every time it runs (a fresh app, a fresh request…), and the least-privileged token it takes. */
interface Recipe {
  token: () => string;
  prepare: () => Promise<{ call: string; variables: Record<string, unknown> }>;
}

const approve = async (appId: string) =>
  ok(`mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded } }`, { c: ids.myBusiness, a: [appId] });

/** A client of its own per webhook call: a refused call leaves its webhook behind, and a client has at most 10. */
const webhookTenant = () => seedTenant(t.db, { clientNumber: 900 + ++tenants, appCount: 1, firstApp: 900_000 + tenants * 10 });
const newWebhook = async (clientId: string) =>
  (await ok(`mutation ($c: ID!) { createWebhook(clientId: $c, url: "https://hooks.example.com/x") { webhook { id } } }`, { c: clientId })).createWebhook.webhook.id as string;

const RECIPES: Record<string, Recipe> = {
  createWebhook: {
    token: () => hooker,
    prepare: async () => ({ call: `createWebhook(clientId: $c, url: "https://hooks.example.com/x")`, variables: { c: webhookTenant().clientId } }),
  },
  deleteWebhook: {
    token: () => hooker,
    prepare: async () => ({ call: `deleteWebhook(id: $id)`, variables: { id: await newWebhook(webhookTenant().clientId) } }),
  },
  redeliverWebhookEvent: {
    token: () => hooker,
    prepare: async () => {
      const tenant = webhookTenant();
      const id = await newWebhook(tenant.clientId);
      const note = await ok(`mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "n") { id } }`, { c: tenant.clientId, a: tenant.appIds[0] });
      return { call: `redeliverWebhookEvent(webhookId: $id, eventId: $r)`, variables: { id, r: note.addAppHistoryNote.id } };
    },
  },
  addAppHistoryNote: { token: () => writer, prepare: async () => ({ call: `addAppHistoryNote(clientId: $c, appId: $a, note: "n")`, variables: { c: ids.myBusiness, a: APP } }) },
  updateApp: {
    token: () => writer,
    prepare: async () => ({ call: `updateApp(clientId: $c, appId: $a, input: { category: $cat })`, variables: { c: ids.myBusiness, a: APP, cat: `cat ${++categories}` } }),
  },
  approveApp: { token: () => writer, prepare: async () => ({ call: `approveApp(app: { appId: $a }, at: { clientId: $c })`, variables: { c: ids.myBusiness, a: fresh().id } }) },
  restrictApp: { token: () => writer, prepare: async () => ({ call: `restrictApp(app: { appId: $a }, at: { clientId: $c })`, variables: { c: ids.myBusiness, a: fresh().id } }) },
  clearAppResolution: {
    token: () => writer,
    prepare: async () => {
      const app = fresh().id;
      await approve(app);
      return { call: `clearAppResolution(app: { appId: $a }, at: { clientId: $c })`, variables: { c: ids.myBusiness, a: app } };
    },
  },
  approveApps: { token: () => writer, prepare: async () => ({ call: `approveApps(clientId: $c, appIds: [$a])`, variables: { c: ids.myBusiness, a: fresh().id } }) },
  restrictApps: { token: () => writer, prepare: async () => ({ call: `restrictApps(clientId: $c, appIds: [$a])`, variables: { c: ids.myBusiness, a: fresh().id } }) },
  removeAppApprovals: {
    token: () => writer,
    prepare: async () => {
      const app = fresh().id;
      await approve(app);
      return { call: `removeAppApprovals(clientId: $c, appIds: [$a])`, variables: { c: ids.myBusiness, a: app } };
    },
  },
  requestAppInstall: {
    token: () => requester,
    prepare: async () => ({ call: `requestAppInstall(workspaceId: $w, appId: $a, requester: "x")`, variables: { w: WS, a: APP } }),
  },
  cancelAppInstallRequest: {
    token: () => writer,
    prepare: async () => {
      const data = await ok(`mutation ($w: ID!, $a: ID!) { requestAppInstall(workspaceId: $w, appId: $a) { id } }`, { w: WS, a: APP });
      return { call: `cancelAppInstallRequest(requestId: $r, clientId: $c)`, variables: { r: data.requestAppInstall.id, c: ids.myBusiness } };
    },
  },
  assignApp: {
    token: () => assigner,
    prepare: async () => ({ call: `assignApp(input: { appCodeName: $code, assignee: { businessId: $b } })`, variables: { code: fresh().codeName, b: ids.myBusiness } }),
  },
  assignAppV1: {
    token: () => assigner,
    prepare: async () => ({ call: `assignAppV1(appCodeName: $code, businessUid: $bu)`, variables: { code: fresh().codeName, bu: ids.myBusiness } }),
  },
  unassignApp: {
    token: () => assigner,
    prepare: async () => {
      const data = await ok(`mutation ($code: String!, $b: ID!) { assignApp(input: { appCodeName: $code, assignee: { businessId: $b } }) { assignment { id } } }`, {
        code: fresh().codeName,
        b: ids.myBusiness,
      });
      return { call: `unassignApp(id: $id)`, variables: { id: data.assignApp.assignment.id } };
    },
  },
};

/** `$name: Type!` for each variable a recipe passes, from the mutation field's own argument types where it can. */
const VARIABLE_TYPES: Record<string, string> = { c: 'ID!', a: 'ID!', w: 'ID!', r: 'ID!', id: 'ID!', b: 'ID!', cat: 'String', code: 'String!', bu: 'String!' };

function operation(call: string, variables: Record<string, unknown>, selection: string): string {
  const definitions = Object.keys(variables).map((name) => `$${name}: ${VARIABLE_TYPES[name]}`);
  return `mutation (${definitions.join(', ')}) { ${call} ${selection} }`;
}

/** Literal values for a field's required arguments (an enum's first value). */
function requiredArgs(field: GraphQLField<unknown, unknown>): string[] {
  return field.args
    .filter((a) => isNonNullType(a.type) && a.defaultValue === undefined)
    .map((a) => {
      const type = getNamedType(a.type);
      if (!isEnumType(type)) throw new Error(`no default for required argument ${field.name}(${a.name})`);
      return `${a.name}: ${type.getValues()[0]!.name}`;
    });
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> {
  if (!(isObjectType(type) || isInterfaceType(type))) throw new Error(`${type.name} has no fields`);
  return type.getFields()[name]!;
}

/**
 * The selection of one path (from the mutation field's result down to the
 * field), the leaf with `extra` arguments; an object leaf selects __typename.
 */
function selectionFor(path: string[], extra: string[] = []): string {
  const mutation = schema.getMutationType()!;
  let type: GraphQLNamedType = getNamedType(mutation.getFields()[path[0]!]!.type);
  const open: string[] = [];
  for (const [i, step] of path.slice(1).entries()) {
    if (step.startsWith('...on ')) {
      open.push(`{ ${step}`);
      type = schema.getType(step.slice(6))!;
      continue;
    }
    const field = fieldOf(type, step);
    const args = [...requiredArgs(field), ...(i === path.length - 2 ? extra : [])];
    open.push(`{ ${step}${args.length ? `(${args.join(', ')})` : ''}`);
    type = getNamedType(field.type);
  }
  const leaf = isObjectType(type) || isInterfaceType(type) ? ' { __typename }' : '';
  return `${open.join(' ')}${leaf} ${'}'.repeat(open.length)}`;
}

/** Runs one mutation call; an answer with errors must leave every table as it was. */
async function attempt(name: string, selection: string, token: string): Promise<GraphQLResponse> {
  const { call, variables } = await RECIPES[name]!.prepare();
  const before = tableCounts(t.sqlite);
  const res = await gql(yoga, operation(call, variables, selection), variables, token);
  if (res.body.errors) {
    expect({ selection, errors: res.body.errors, tables: tableCounts(t.sqlite) }).toEqual({ selection, errors: res.body.errors, tables: before });
  } else {
    expect({ selection, wrote: tableCounts(t.sqlite) }).not.toEqual({ selection, wrote: before });
  }
  return res;
}

const MUTATIONS = Object.keys(schema.getMutationType()!.getFields()).sort();

describe('every field reachable from a mutation result is checked before the write', () => {
  it('declares a check, through the field or its type, and a field with arguments declares its own argument check', () => {
    const fields = mutationResultFields(schema);
    expect(fields.length).toBeGreaterThan(150);
    expect(fields.filter((f) => f.check === null).map((f) => `${f.type}.${f.field}`)).toEqual([]);
    const withArgs = fields.filter((f) => f.args.length > 0);
    expect(withArgs.filter((f) => !f.check?.args).map((f) => `${f.type}.${f.field}`)).toEqual([]);
    // The lists that used to slip through (issue 17 item 1) are among them.
    expect(withArgs.map((f) => `${f.type}.${f.field}`).sort()).toEqual(
      expect.arrayContaining(['App.history', 'Workspace.appDecisions', 'Workspace.apps', 'Workspace.installRequests']),
    );
  });

  it('has a recipe that writes for every mutation field', () => {
    expect(Object.keys(RECIPES).sort()).toEqual(MUTATIONS);
  });

  for (const name of MUTATIONS) {
    it(`${name}: every reachable field, with the least and the most privileged token, refuses before it writes or succeeds`, async () => {
      // Not vacuous: the recipe writes.
      expect((await attempt(name, '{ __typename }', RECIPES[name]!.token())).body.errors).toBeUndefined();
      const fields = mutationResultFields(schema, name);
      let refusedLeast = 0;
      for (const field of fields) {
        const selection = selectionFor(field.path);
        const least = await attempt(name, selection, RECIPES[name]!.token());
        if (least.body.errors) refusedLeast++;
        // A full token may select every field: the check refuses nothing it should allow.
        const most = await attempt(name, selection, full);
        expect({ selection, errors: most.body.errors }).toEqual({ selection, errors: undefined });
        if (field.args.includes('first')) {
          const res = await attempt(name, selectionFor(field.path, ['first: 1000']), full);
          expect({ selection, codes: errorCodes(res) }).toEqual({ selection, codes: ['BAD_USER_INPUT'] });
        }
        if (field.args.includes('after')) {
          const res = await attempt(name, selectionFor(field.path, ['after: "bogus"']), full);
          expect({ selection, codes: errorCodes(res) }).toEqual({ selection, codes: ['BAD_USER_INPUT'] });
        }
      }
      expect(fields.length).toBeGreaterThan(0);
      if (fields.some((f) => f.check?.scope)) expect(refusedLeast).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe("issue 17's examples write nothing", () => {
  const REQUEST = (selection: string) => `mutation ($w: ID!, $a: ID!) { requestAppInstall(workspaceId: $w, appId: $a, requester: "x") { id ${selection} } }`;

  async function refused(query: string, variables: Record<string, unknown>, token: string, code: string) {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, query, variables, token);
    expect(errorCodes(res)).toEqual([code]);
    expect(res.body.data ?? null).toBeNull();
    expect(tableCounts(t.sqlite)).toEqual(before);
    return res;
  }

  it('an apps:request token selecting workspace { apps { nodes { resolution } } }: FORBIDDEN, no request, no event, on every retry', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await refused(REQUEST('workspace { apps(first: 1) { nodes { resolution } } }'), { w: WS, a: APP }, requester, 'FORBIDDEN');
      expect(res.body.errors![0]!.path).toEqual(['requestAppInstall', 'workspace', 'apps']);
    }
    await refused(REQUEST('workspace { installRequests { nodes { id } } }'), { w: WS, a: APP }, requester, 'FORBIDDEN');
    await refused(REQUEST('workspace { appDecisions(resolution: APPROVED) { nodes { resolution } } }'), { w: WS, a: APP }, requester, 'FORBIDDEN');
  });

  it('a full token selecting installRequests(first: 1000) or apps(after: "bogus"): BAD_USER_INPUT, nothing written', async () => {
    const big = await refused(REQUEST('workspace { installRequests(first: 1000) { nodes { id } } }'), { w: WS, a: APP }, full, 'BAD_USER_INPUT');
    expect(big.body.errors![0]!.extensions!.field).toBe('first');
    const bogus = await refused(REQUEST('workspace { apps(after: "bogus") { nodes { resolution } } }'), { w: WS, a: APP }, full, 'BAD_USER_INPUT');
    expect(bogus.body.errors![0]!.extensions!.field).toBe('after');
    await refused(REQUEST('workspace { appDecisions(resolution: APPROVED, first: 0) { nodes { resolution } } }'), { w: WS, a: APP }, full, 'BAD_USER_INPUT');
  });

  it('cancelAppInstallRequest selecting the same: the request stays pending', async () => {
    const created = await ok(`mutation ($w: ID!, $a: ID!) { requestAppInstall(workspaceId: $w, appId: $a) { id } }`, { w: WS, a: APP });
    const id = created.requestAppInstall.id;
    const cancel = (selection: string) => `mutation ($r: ID!, $w: ID!) { cancelAppInstallRequest(requestId: $r, workspaceId: $w) { id ${selection} } }`;
    await refused(cancel('workspace { apps(first: 1) { nodes { resolution } } }'), { r: id, w: WS }, writer, 'FORBIDDEN');
    await refused(cancel('workspace { installRequests(first: 1000) { nodes { id } } }'), { r: id, w: WS }, full, 'BAD_USER_INPUT');
    await refused(cancel('workspace { apps(after: "bogus") { nodes { resolution } } }'), { r: id, w: WS }, full, 'BAD_USER_INPUT');
    const status = await ok(`query ($id: ID!) { installRequest(id: $id) { status } }`, { id });
    expect(status.installRequest.status).toBe('PENDING');
  });

  it("an apps:write token reading an app's client state (approvedScopes, needsReapproval) in a result: FORBIDDEN before the write", async () => {
    const res = await refused(
      `mutation ($c: ID!, $a: ID!) { approveApp(app: { appId: $a }, at: { clientId: $c }) { changed app { id approvedScopes needsReapproval } } }`,
      { c: ids.myBusiness, a: fresh().id },
      writer,
      'FORBIDDEN',
    );
    expect(res.body.errors![0]!.path).toEqual(['approveApp', 'app', 'approvedScopes']);
  });
});

describe('the check fails closed', () => {
  const sdl = buildSchema(`
    type Query { ok: Boolean }
    type Mutation { write: Result }
    type Result { plain: Int declared: Int undeclared: Int list(first: Int): [Int] }
  `);
  const result = sdl.getType('Result') as GraphQLObjectType;
  const declare = (target: { extensions: unknown }, extensions: Record<string, unknown>) => {
    (target as { extensions: Record<string, unknown> }).extensions = extensions;
  };

  it('a field that declares nothing, on a type that declares nothing, is listed as unchecked', () => {
    const fields = mutationResultFields(sdl);
    expect(fields.map((f) => [f.field, f.check])).toEqual([
      ['plain', null],
      ['declared', null],
      ['undeclared', null],
      ['list', null],
    ]);
    declare(result.getFields().declared!, preflight({}));
    declare(result.getFields().list!, preflight({ args: () => {} }));
    expect(mutationResultFields(sdl).filter((f) => f.check === null).map((f) => f.field)).toEqual(['plain', 'undeclared']);
    // A type-level declaration covers fields without arguments only.
    declare(result, preflightFields({}));
    declare(result.getFields().list!, {});
    expect(mutationResultFields(sdl).filter((f) => f.check === null).map((f) => f.field)).toEqual(['list']);
  });

  it('and is refused before anything runs', async () => {
    declare(result, preflightFields({}));
    declare(result.getFields().list!, {});
    let ran = 0;
    const { createYoga } = await import('graphql-yoga');
    const mutation = sdl.getMutationType()!;
    mutation.getFields().write!.resolve = () => {
      ran++;
      return { plain: 1, undeclared: 2, list: [] };
    };
    const server = createYoga({ schema: sdl, plugins: [usePreflight()] });
    const post = async (query: string) => (await server.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json();
    const refusedList = await post('mutation { write { plain list(first: 1) } }');
    expect(refusedList.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NOT_IN_MUTATION_RESULT', field: 'list' });
    expect(refusedList.errors[0].message).toBe("Result.list cannot be selected in a mutation's result: read it with a query");
    expect(ran).toBe(0);
    expect(await post('mutation { write { plain __typename } }')).toEqual({ data: { write: { plain: 1, __typename: 'Result' } } });
    expect(ran).toBe(1);
  });
});
