import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/services/apps';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { seedDirectories, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

const ASSIGN = `mutation ($app: String!, $assignee: AssigneeInput!, $mode: AppAssignmentMode) {
  assignApp(input: { appCodeName: $app, assignee: $assignee, mode: $mode }) { outcome assignment { id appCodeName assigneeType assigneeId mode } } }`;
const ASSIGN_V1 = `mutation ($app: String!, $d: String, $b: String, $i: String, $p: String, $bi: String, $h: String) {
  assignAppV1(appCodeName: $app, directoryUid: $d, businessUid: $b, isInternal: $i, preInstalled: $p, builtIn: $bi, hideFromMarket: $h) {
    outcome assignment { id assigneeType assigneeId mode } } }`;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let ids: ReturnType<typeof seedDirectories>['ids'];
let tokens: ReturnType<typeof seedDirectories>['tokens'];

beforeEach(() => {
  t = testDatabase();
  ({ ids, tokens } = seedDirectories(t.db));
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

async function refused(query: string, variables: Record<string, unknown>, token: string) {
  const before = tableCounts(t.sqlite);
  const res = await gql(yoga, query, variables, token);
  expect(tableCounts(t.sqlite)).toEqual(before);
  expect(res.body.data ?? null).toBeNull();
  return res.body.errors![0]!;
}

describe('assignApp with a directory token', () => {
  it('assigns its own app INTERNAL to its own directory and business; again changes nothing', async () => {
    for (const assignee of [{ directoryId: ids.mine }, { businessId: ids.myBusiness }]) {
      const made = await gql(yoga, ASSIGN, { app: 'my-app', assignee, mode: 'INTERNAL' }, tokens.directory);
      expect(made.body.data.assignApp).toMatchObject({ outcome: 'CREATED', assignment: { appCodeName: 'my-app', mode: 'INTERNAL' } });
      const again = await gql(yoga, ASSIGN, { app: 'my-app', assignee, mode: 'INTERNAL' }, tokens.directory);
      expect(again.body.data.assignApp).toEqual({ ...made.body.data.assignApp, outcome: 'UNCHANGED' });
    }
    expect(tableCounts(t.sqlite)).toMatchObject({ assignments: 2, assignmentEvents: 2 });
  });

  it.each([
    ["a foreign directory's business", 'my-app', { businessId: 'theirBusiness' }, 'INTERNAL', 'OWN_ASSIGNEE'],
    ['an unknown business (the same answer)', 'my-app', { businessId: 'unknown' }, 'INTERNAL', 'OWN_ASSIGNEE'],
    ['another directory', 'my-app', { directoryId: 'theirs' }, 'INTERNAL', 'OWN_ASSIGNEE'],
    ['a public app', 'public-app', { directoryId: 'mine' }, 'INTERNAL', 'OWN_APP'],
    ['a non-hidden mode (default STANDARD)', 'my-app', { businessId: 'myBusiness' }, undefined, 'INTERNAL_MODE'],
    ['PRE_INSTALLED', 'my-app', { directoryId: 'mine' }, 'PRE_INSTALLED', 'INTERNAL_MODE'],
  ] as const)('refuses %s: FORBIDDEN naming the rule, nothing written', async (_name, app, assigneeKeys, mode, rule) => {
    const [key, who] = Object.entries(assigneeKeys)[0] as [string, string];
    const id = who === 'unknown' ? 'ffffffff-ffff-4fff-8fff-ffffffffffff' : ids[who as keyof typeof ids];
    const error = await refused(ASSIGN, { app, assignee: { [key]: id }, ...(mode ? { mode } : {}) }, tokens.directory);
    expect(error.extensions).toEqual({ code: 'FORBIDDEN', rule });
  });

  it('gives the same refusal for a foreign business and an unknown one', async () => {
    const foreign = await refused(ASSIGN, { app: 'my-app', assignee: { businessId: ids.theirBusiness }, mode: 'INTERNAL' }, tokens.directory);
    const unknown = await refused(ASSIGN, { app: 'my-app', assignee: { businessId: 'ffffffff-ffff-4fff-8fff-ffffffffffff' }, mode: 'INTERNAL' }, tokens.directory);
    expect(foreign).toEqual(unknown);
  });
});

describe('assignApp: other tokens and input', () => {
  it('refuses client tokens (TOKEN_KIND), even for their own client, for assigning and removing', async () => {
    const error = await refused(ASSIGN, { app: 'my-app', assignee: { businessId: ids.myBusiness }, mode: 'INTERNAL' }, tokens.client);
    expect(error.extensions).toEqual({ code: 'FORBIDDEN', rule: 'TOKEN_KIND' });
    const made = await gql(yoga, ASSIGN, { app: 'my-app', assignee: { businessId: ids.myBusiness }, mode: 'INTERNAL' }, tokens.internal);
    const removal = await refused(`mutation ($id: ID!) { unassignApp(id: $id) { id } }`, { id: made.body.data.assignApp.assignment.id }, tokens.client);
    expect(removal.extensions).toEqual({ code: 'FORBIDDEN', rule: 'TOKEN_KIND' });
  });

  it('lets internal tokens assign anything in any v3 mode, and update the mode', async () => {
    const assignee = { businessId: ids.theirBusiness };
    const made = await gql(yoga, ASSIGN, { app: 'public-app', assignee, mode: 'PRE_INSTALLED' }, tokens.internal);
    expect(made.body.data.assignApp.outcome).toBe('CREATED');
    const changed = await gql(yoga, ASSIGN, { app: 'public-app', assignee }, tokens.internal);
    expect(changed.body.data.assignApp).toEqual({ outcome: 'MODE_CHANGED', assignment: { ...made.body.data.assignApp.assignment, mode: 'STANDARD' } });
  });

  it('answers NOT_FOUND to an internal token for an unknown app, directory or business', async () => {
    const unknown = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
    expect((await refused(ASSIGN, { app: 'nope', assignee: { directoryId: ids.mine } }, tokens.internal)).message).toBe('App not found');
    expect((await refused(ASSIGN, { app: 'public-app', assignee: { directoryId: unknown } }, tokens.internal)).message).toBe('Directory not found');
    expect((await refused(ASSIGN, { app: 'public-app', assignee: { businessId: unknown } }, tokens.internal)).message).toBe('Business not found');
  });

  it('a token without apps:write may not assign, and one without apps:read may not list', async () => {
    const error = await refused(ASSIGN, { app: 'my-app', assignee: { directoryId: ids.mine }, mode: 'INTERNAL' }, tokens.directoryReadOnly);
    expect(error).toMatchObject({ message: 'This token lacks the apps:write scope', extensions: { code: 'FORBIDDEN' } });
  });

  it('refuses BUILT_IN in v3; only assignAppV1 creates it', async () => {
    const error = await refused(ASSIGN, { app: 'public-app', assignee: { directoryId: ids.mine }, mode: 'BUILT_IN' }, tokens.internal);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'mode' });
    expect(error.message).toContain('not supported in v3');
    const v1 = await gql(yoga, ASSIGN_V1, { app: 'public-app', d: ids.mine, bi: 'true' }, tokens.internal);
    expect(v1.body.data.assignAppV1).toMatchObject({ outcome: 'CREATED', assignment: { mode: 'BUILT_IN', assigneeType: 'DIRECTORY' } });
  });

  it('the assignee is @oneOf: both or neither key is refused before anything runs', async () => {
    for (const assignee of [{}, { directoryId: ids.mine, businessId: ids.myBusiness }]) {
      const error = await refused(ASSIGN, { app: 'public-app', assignee }, tokens.internal);
      expect(error.extensions!.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('OneOf');
    }
  });

  it('assignAppV1 applies the same directory-token rules (hide_from_market "true" for a business)', async () => {
    const ok = await gql(yoga, ASSIGN_V1, { app: 'my-app', b: ids.myBusiness, h: 'true' }, tokens.directory);
    expect(ok.body.data.assignAppV1.assignment.mode).toBe('INTERNAL');
    const plain = await refused(ASSIGN_V1, { app: 'my-app', d: ids.mine }, tokens.directory);
    expect(plain.extensions).toEqual({ code: 'FORBIDDEN', rule: 'INTERNAL_MODE' });
    const bad = await refused(ASSIGN_V1, { app: 'my-app', d: ids.mine, i: 'TRUE' }, tokens.directory);
    expect(bad).toMatchObject({ message: 'isInternal (is_internal) must be "true" or "false"; got "TRUE"', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the deprecated mutation', () => {
  it('shows as deprecated in introspection and in schema.graphql', async () => {
    const res = await gql(yoga, `{ __type(name: "Mutation") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }`);
    const fields = res.body.data.__type.fields as { name: string; isDeprecated: boolean; deprecationReason: string | null }[];
    const v1 = fields.find((f) => f.name === 'assignAppV1')!;
    expect(v1.isDeprecated).toBe(true);
    expect(v1.deprecationReason).toMatch(/^Use assignApp\. .* Removal after 2027-06-30\.$/);
    expect(fields.find((f) => f.name === 'assignApp')!.isDeprecated).toBe(false);
    expect(readFileSync('schema.graphql', 'utf8')).toContain(`@deprecated(reason: "${v1.deprecationReason}")`);
  });
});

describe('reads', () => {
  beforeEach(async () => {
    // A second public app: a private app is assigned only inside its own directory.
    createApp(t.db, { name: 'Second public app', codeName: 'other-app' });
    for (const [app, assignee, mode] of [
      ['my-app', { directoryId: ids.mine }, 'INTERNAL'],
      ['public-app', { directoryId: ids.mine }, 'STANDARD'],
      ['other-app', { directoryId: ids.mine }, 'PRE_INSTALLED'],
      ['public-app', { businessId: ids.myBusiness }, 'STANDARD'],
      ['public-app', { businessId: ids.theirBusiness }, 'INTERNAL'],
    ] as const) {
      expect((await gql(yoga, ASSIGN, { app, assignee, mode }, tokens.internal)).body.data.assignApp.outcome).toBe('CREATED');
    }
  });

  it("viewer and directory(id) show a directory token's own directory, paged and filtered by mode", async () => {
    const query = `query ($id: ID!, $after: String) {
      viewer { kind directory { id name } }
      directory(id: $id) { name assignments(first: 2, after: $after) { nodes { appCodeName mode } pageInfo { hasNextPage endCursor } }
                           internal: assignments(mode: INTERNAL) { nodes { appCodeName } } } }`;
    const first = await gql(yoga, query, { id: ids.mine }, tokens.directory);
    expect(first.body.data.viewer).toEqual({ kind: 'DIRECTORY_TOKEN', directory: { id: ids.mine, name: 'My directory' } });
    expect(first.body.data.directory.assignments.nodes).toEqual([{ appCodeName: 'my-app', mode: 'INTERNAL' }, { appCodeName: 'public-app', mode: 'STANDARD' }]);
    expect(first.body.data.directory.internal.nodes).toEqual([{ appCodeName: 'my-app' }]);
    const second = await gql(yoga, query, { id: ids.mine, after: first.body.data.directory.assignments.pageInfo.endCursor }, tokens.directory);
    expect(second.body.data.directory.assignments).toEqual({ nodes: [{ appCodeName: 'other-app', mode: 'PRE_INSTALLED' }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
  });

  it('directory(id) is FORBIDDEN for another directory or an unknown one alike, and for client tokens', async () => {
    const query = `query ($id: ID!) { directory(id: $id) { id } }`;
    const other = await gql(yoga, query, { id: ids.theirs }, tokens.directory);
    const unknown = await gql(yoga, query, { id: 'ffffffff-ffff-4fff-8fff-ffffffffffff' }, tokens.directory);
    expect(other.body).toEqual(unknown.body);
    expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(yoga, query, { id: ids.mine }, tokens.client))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(yoga, query, { id: 'ffffffff-ffff-4fff-8fff-ffffffffffff' }, tokens.internal))).toEqual(['NOT_FOUND']);
  });

  it("an app's assignments, filtered by mode; without an assignee for internal tokens only", async () => {
    const query = `query ($mode: AppAssignmentMode) { appAssignments(appCodeName: "public-app", mode: $mode) { nodes { assigneeType assigneeId mode } } }`;
    expect((await gql(yoga, query, {}, tokens.internal)).body.data.appAssignments.nodes).toEqual([
      { assigneeType: 'DIRECTORY', assigneeId: ids.mine, mode: 'STANDARD' },
      { assigneeType: 'BUSINESS', assigneeId: ids.myBusiness, mode: 'STANDARD' },
      { assigneeType: 'BUSINESS', assigneeId: ids.theirBusiness, mode: 'INTERNAL' },
    ]);
    expect((await gql(yoga, query, { mode: 'INTERNAL' }, tokens.internal)).body.data.appAssignments.nodes).toEqual([
      { assigneeType: 'BUSINESS', assigneeId: ids.theirBusiness, mode: 'INTERNAL' },
    ]);
    expect(errorCodes(await gql(yoga, query, {}, tokens.directory))).toEqual(['FORBIDDEN']);
  });

  it('Client.assignments and the client-scoped operations work for a directory token on its own businesses only', async () => {
    const query = `query ($c: ID!) { client(id: $c) { name assignments { nodes { appCodeName } }
      apps(first: 2) { nodes { codeName ownerDirectoryId hiddenFromMarket history { nodes { id } } } } } }`;
    const mine = await gql(yoga, query, { c: ids.myBusiness }, tokens.directory);
    expect(mine.body.data.client).toEqual({
      name: 'My business',
      assignments: { nodes: [{ appCodeName: 'public-app' }] },
      apps: { nodes: [
        { codeName: 'my-app', ownerDirectoryId: ids.mine, hiddenFromMarket: true, history: { nodes: [] } },
        { codeName: 'public-app', ownerDirectoryId: null, hiddenFromMarket: false, history: { nodes: [] } },
      ] },
    });
    const approve = `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded } }`;
    const appId = (t.sqlite.prepare("SELECT id FROM apps WHERE code_name = 'public-app'").get() as { id: string }).id;
    expect((await gql(yoga, approve, { c: ids.myBusiness, a: [appId] }, tokens.directory)).body.data.approveApps.succeeded).toEqual([appId]);
    for (const c of [ids.theirBusiness, ids.directCustomer, 'ffffffff-ffff-4fff-8fff-ffffffffffff']) {
      const before = tableCounts(t.sqlite);
      const res = await gql(yoga, approve, { c, a: [appId] }, tokens.directory);
      expect(res.body.errors![0]).toMatchObject({ message: 'This token may not act on that client', extensions: { code: 'FORBIDDEN' } });
      expect(tableCounts(t.sqlite)).toEqual(before);
      expect(errorCodes(await gql(yoga, query, { c }, tokens.directory))).toEqual(['FORBIDDEN']);
    }
  });

  it('the history records every assign, mode change and removal with actor, time, before and after, and outlives the assignment', async () => {
    const assignee = { businessId: ids.myBusiness };
    const changed = await gql(yoga, ASSIGN, { app: 'public-app', assignee, mode: 'PRE_INSTALLED' }, tokens.internal);
    const removed = await gql(yoga, `mutation ($id: ID!) { unassignApp(id: $id) { id mode } }`, { id: changed.body.data.assignApp.assignment.id }, tokens.internal);
    expect(removed.body.data.unassignApp).toEqual({ id: changed.body.data.assignApp.assignment.id, mode: 'PRE_INSTALLED' });
    const history = await gql(yoga, `query ($a: AssigneeInput) { appAssignmentHistory(assignee: $a, appCodeName: "public-app") {
      nodes { type fromMode toMode assignmentId actor { kind name } createdAt } } }`, { a: assignee }, tokens.directory);
    const nodes = history.body.data.appAssignmentHistory.nodes;
    expect(nodes.map((n: any) => [n.type, n.fromMode, n.toMode, n.actor])).toEqual([
      ['UNASSIGNED', 'PRE_INSTALLED', null, { kind: 'INTERNAL_TOKEN', name: 'ops' }],
      ['MODE_CHANGED', 'STANDARD', 'PRE_INSTALLED', { kind: 'INTERNAL_TOKEN', name: 'ops' }],
      ['ASSIGNED', null, 'STANDARD', { kind: 'INTERNAL_TOKEN', name: 'ops' }],
    ]);
    expect(new Set(nodes.map((n: any) => n.assignmentId))).toEqual(new Set([changed.body.data.assignApp.assignment.id]));
    const viaClient = await gql(yoga, `query ($c: ID!) { client(id: $c) { assignmentHistory(first: 1) { nodes { type } } assignments { nodes { id } } } }`, { c: ids.myBusiness }, tokens.client);
    expect(viaClient.body.data.client).toEqual({ assignmentHistory: { nodes: [{ type: 'UNASSIGNED' }] }, assignments: { nodes: [] } });
  });
});

describe('index seeks', () => {
  it.each([
    ['directory', `s.directory_id = 'x'`, 'app_assignments_directory_idx'],
    ['directory and mode', `s.directory_id = 'x' AND s.mode = 'INTERNAL'`, 'app_assignments_directory_mode_idx'],
    ['business', `s.client_id = 'x'`, 'app_assignments_client_idx'],
    ['business and mode', `s.client_id = 'x' AND s.mode = 'INTERNAL'`, 'app_assignments_client_mode_idx'],
    ['app', `s.app_id = (SELECT id FROM apps WHERE code_name = 'x')`, 'app_assignments_app_idx'],
    ['app and mode', `s.app_id = (SELECT id FROM apps WHERE code_name = 'x') AND s.mode = 'STANDARD'`, 'app_assignments_app_mode_idx'],
    ['mode', `s.mode = 'STANDARD'`, 'app_assignments_mode_idx'],
  ])('assignments by %s page on an index, with no sort', (_name, where, index) => {
    const plan = t.sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT s.seq FROM app_assignments AS s JOIN apps AS a ON a.id = s.app_id WHERE s.seq > 5 AND ${where} ORDER BY s.seq LIMIT 21`)
      .all()
      .map((row: any) => row.detail as string)
      .join('\n');
    expect(plan).toMatch(new RegExp(`SEARCH [es] USING (COVERING )?INDEX ${index} \\(`));
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it.each([
    ['directory', `e.directory_id = 'x'`, 'app_assignment_events_directory_idx'],
    ['business and app', `e.client_id = 'x' AND e.app_id = (SELECT id FROM apps WHERE code_name = 'x')`, 'app_assignment_events_client_app_idx'],
  ])('history by %s pages on an index, newest first, with no sort', (_name, where, index) => {
    const plan = t.sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT e.seq FROM app_assignment_events AS e JOIN apps AS a ON a.id = e.app_id WHERE e.seq < 99 AND ${where} ORDER BY e.seq DESC LIMIT 21`)
      .all()
      .map((row: any) => row.detail as string)
      .join('\n');
    expect(plan).toMatch(new RegExp(`SEARCH [es] USING (COVERING )?INDEX ${index} \\(`));
    expect(plan).not.toContain('TEMP B-TREE');
  });
});
