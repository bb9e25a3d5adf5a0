import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/services/apps';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { seedDirectories, testDatabase } from './helpers/db';
import { rest, type RestResponse } from './helpers/rest';
import { tableCounts } from './helpers/tables';

const V3 = '/v3/apps/app_assignments';
const v1Path = (code: string) => `/platform/v1/apps/${code}/assign`;
const UNKNOWN = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let ids: ReturnType<typeof seedDirectories>['ids'];
let tokens: ReturnType<typeof seedDirectories>['tokens'];

beforeEach(() => {
  t = testDatabase();
  ({ ids, tokens } = seedDirectories(t.db));
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

function expectDeprecationHeaders(res: RestResponse) {
  expect(res.headers.get('deprecation')).toBe('@1793491200');
  expect(res.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
  expect(res.headers.get('link')).toBe('</v3/apps/app_assignments>; rel="successor-version"');
}

/** A refused call: its status, a JSON error body, and nothing written. */
async function refusedCall(method: string, path: string, options: Parameters<typeof rest>[3]) {
  const before = tableCounts(t.sqlite);
  const res = await rest(yoga, method, path, options);
  expect(tableCounts(t.sqlite)).toEqual(before);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(res.body.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
  return res;
}

describe('POST /v3/apps/app_assignments', () => {
  it('201 with the AppAssignment entity, 200 with the same one when nothing changed, 201 on a mode change', async () => {
    const body = { assignee_type: 'business', assignee_uid: ids.myBusiness, app_code_name: 'my-app', settings: { assignment_mode: 'internal' } };
    const made = await rest(yoga, 'POST', V3, { token: tokens.directory, body });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created_at: expect.stringMatching(/Z$/),
      updated_at: made.body.created_at,
      assignee_type: 'business',
      assignee_uid: ids.myBusiness,
      app_code_name: 'my-app',
      settings: { assignment_mode: 'internal' },
    });
    const before = tableCounts(t.sqlite);
    const again = await rest(yoga, 'POST', V3, { token: tokens.directory, body });
    expect([again.status, again.body]).toEqual([200, made.body]);
    expect(tableCounts(t.sqlite)).toEqual(before);
    const changed = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { ...body, settings: { assignment_mode: 'pre_installed' } } });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ uid: made.body.uid, settings: { assignment_mode: 'pre_installed' } });
  });

  it('settings absent means standard', async () => {
    const res = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { assignee_type: 'directory', assignee_uid: ids.mine, app_code_name: 'public-app' } });
    expect([res.status, res.body.settings]).toEqual([201, { assignment_mode: 'standard' }]);
  });

  const valid = () => ({ assignee_type: 'directory', assignee_uid: ids.mine, app_code_name: 'public-app' });
  it.each([
    ['built_in (not supported in v3)', { settings: { assignment_mode: 'built_in' } }, 'not supported in v3'],
    ['an unknown assignment_mode', { settings: { assignment_mode: 'hidden' } }, 'Value "HIDDEN" does not exist in "AppAssignmentMode" enum'],
    ['an unknown assignee_type', { assignee_type: 'package' }, 'Field "packageId" is not defined by type "AssigneeInput"'],
    ['no assignee_type', { assignee_type: undefined }, 'Exactly one key must be specified for OneOf type "AssigneeInput"'],
    ['no assignee_uid', { assignee_uid: undefined }, 'Exactly one key must be specified for OneOf type "AssigneeInput"'],
    ['an unknown body key', { directory_uid: 'x' }, 'Unknown body key "directory_uid"'],
    ['an unknown settings key', { settings: { assignment_mode: 'internal', is_internal: 'true' } }, 'Unknown body key "settings.is_internal"'],
    ['an assignee_uid that is not a UUID', { assignee_uid: 'def456' }, 'must be a UUID'],
    ['an empty assignee_uid', { assignee_uid: '' }, 'assignee.directoryId must be a UUID'],
  ])('400 for %s, writing nothing', async (_name, change, message) => {
    const res = await refusedCall('POST', V3, { token: tokens.internal, body: { ...valid(), ...change } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_USER_INPUT');
    expect(res.body.error.message).toContain(message);
  });

  it('401 without a token, 403 for a client token or a broken directory rule, 404 for unknown things (internal tokens)', async () => {
    expect((await refusedCall('POST', V3, { body: valid() })).status).toBe(401);
    const client = await refusedCall('POST', V3, { token: tokens.client, body: valid() });
    expect([client.status, client.body.error.rule]).toEqual([403, 'TOKEN_KIND']);
    const foreign = await refusedCall('POST', V3, {
      token: tokens.directory, body: { assignee_type: 'business', assignee_uid: ids.theirBusiness, app_code_name: 'my-app', settings: { assignment_mode: 'internal' } },
    });
    expect([foreign.status, foreign.body.error.rule]).toEqual([403, 'OWN_ASSIGNEE']);
    expect((await refusedCall('POST', V3, { token: tokens.internal, body: { ...valid(), app_code_name: 'nope' } })).body).toEqual({
      error: { code: 'NOT_FOUND', message: 'App not found', rule: 'APP_EXISTS' },
    });
    expect((await refusedCall('POST', V3, { token: tokens.internal, body: { ...valid(), assignee_uid: UNKNOWN } })).status).toBe(404);
    expect((await refusedCall('POST', V3, { token: tokens.internal, body: { ...valid(), assignee_type: 'business', assignee_uid: UNKNOWN } })).status).toBe(404);
  });
});

describe('GET and DELETE /v3/apps/app_assignments', () => {
  it('lists by assignee and app, pages with next_cursor, deletes with 204 and keeps the history', async () => {
    const uids: string[] = [];
    // A second public app: a private app is assigned only inside its own directory.
    createApp(t.db, { name: 'Second public app', codeName: 'other-app' });
    for (const app of ['public-app', 'other-app', 'my-app']) {
      const res = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { assignee_type: 'directory', assignee_uid: ids.mine, app_code_name: app } });
      uids.push(res.body.uid);
    }
    const page1 = await rest(yoga, 'GET', `${V3}?assignee_type=directory&assignee_uid=${ids.mine}&limit=2`, { token: tokens.directory });
    expect(page1.body.data.map((a: any) => a.app_code_name)).toEqual(['public-app', 'other-app']);
    const page2 = await rest(yoga, 'GET', `${V3}?assignee_type=directory&assignee_uid=${ids.mine}&limit=2&cursor=${page1.body.next_cursor}`, { token: tokens.directory });
    expect([page2.body.data.map((a: any) => a.uid), page2.body.next_cursor]).toEqual([[uids[2]], null]);
    const byApp = await rest(yoga, 'GET', `${V3}?app_code_name=other-app`, { token: tokens.internal });
    expect(byApp.body.data.map((a: any) => a.uid)).toEqual([uids[1]]);

    const removed = await rest(yoga, 'DELETE', `${V3}/${uids[2]}`, { token: tokens.directory });
    expect([removed.status, removed.body]).toEqual([204, null]);
    expect(tableCounts(t.sqlite)).toMatchObject({ assignments: 2, assignmentEvents: 4 });
    expect((await refusedCall('DELETE', `${V3}/${uids[2]}`, { token: tokens.internal })).status).toBe(404);
    // A directory token may not remove what it could not have assigned (a public app).
    const publicOne = await refusedCall('DELETE', `${V3}/${uids[0]}`, { token: tokens.directory });
    expect([publicOne.status, publicOne.body.error.rule]).toEqual([403, 'OWN_APP']);
  });
});

describe('POST /platform/v1/apps/{app_code_name}/assign (deprecated)', () => {
  it('assigns as v3 does, and every response carries Deprecation, Sunset and Link rel="successor-version"', async () => {
    const ok = await rest(yoga, 'POST', v1Path('my-app'), { token: tokens.directory, body: { directory_uid: ids.mine, is_internal: 'true' } });
    expect([ok.status, ok.body.settings, ok.body.assignee_type]).toEqual([201, { assignment_mode: 'internal' }, 'directory']);
    expectDeprecationHeaders(ok);
    const same = await rest(yoga, 'POST', v1Path('my-app'), { token: tokens.directory, body: { directory_uid: ids.mine, is_internal: 'true' } });
    expect(same.status).toBe(200);
    expectDeprecationHeaders(same);
    for (const [status, res] of [
      [400, await refusedCall('POST', v1Path('my-app'), { token: tokens.directory, body: { directory_uid: ids.mine, is_internal: 'yes' } })],
      [401, await refusedCall('POST', v1Path('my-app'), { body: { directory_uid: ids.mine } })],
      [403, await refusedCall('POST', v1Path('my-app'), { token: tokens.directory, body: { directory_uid: ids.theirs, is_internal: 'true' } })],
      [404, await refusedCall('POST', v1Path('nope'), { token: tokens.internal, body: { directory_uid: ids.mine } })],
      [404, await refusedCall('POST', '/platform/v1/apps', { token: tokens.internal })],
      [405, await refusedCall('GET', v1Path('my-app'), { token: tokens.internal })],
    ] as const) {
      expect(res.status).toBe(status);
      expectDeprecationHeaders(res);
    }
  });

  it('v3 responses carry no deprecation headers', async () => {
    const res = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { assignee_type: 'directory', assignee_uid: ids.mine, app_code_name: 'public-app' } });
    expect([res.headers.get('deprecation'), res.headers.get('link')]).toEqual([null, null]);
  });

  it.each([
    ['both directory_uid and business_uid', { directory_uid: 'D', business_uid: 'B' }, 'name exactly one of directoryUid (directory_uid) and businessUid (business_uid)'],
    ['neither', { is_internal: 'true' }, 'name exactly one of'],
    ['a flag that is not "true"/"false"', { directory_uid: 'D', pre_installed: '1' }, 'preInstalled (pre_installed) must be "true" or "false"; got "1"'],
    ['a flag that is a JSON boolean', { directory_uid: 'D', is_internal: true }, 'body key is_internal must be a string'],
    ['more than one mode flag', { directory_uid: 'D', is_internal: 'true', built_in: 'true' }, 'at most one mode flag may be "true"'],
    ['is_internal with business_uid', { business_uid: 'B', is_internal: 'true' }, 'may be used with directoryUid (directory_uid) only'],
    ['pre_installed with business_uid', { business_uid: 'B', pre_installed: 'true' }, 'may be used with directoryUid (directory_uid) only'],
    ['built_in with business_uid', { business_uid: 'B', built_in: 'true' }, 'may be used with directoryUid (directory_uid) only'],
    ['an unknown body key', { directory_uid: 'D', assignment_mode: 'internal' }, 'Unknown body key "assignment_mode"'],
  ])('400 for %s, writing nothing, with the deprecation headers', async (_name, body, message) => {
    const filled = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === 'D' ? ids.mine : v === 'B' ? ids.myBusiness : v]));
    const res = await refusedCall('POST', v1Path('public-app'), { token: tokens.internal, body: filled });
    expect([res.status, res.body.error.code]).toEqual([400, 'BAD_USER_INPUT']);
    expect(res.body.error.message).toContain(message);
    expectDeprecationHeaders(res);
  });

  it.each([
    ['business_uid → assignee_type "business"', { business_uid: 'B' }, { assignee_type: 'business', assignee_uid: 'B' }],
    ['directory_uid → assignee_type "directory"', { directory_uid: 'D' }, { assignee_type: 'directory', assignee_uid: 'D' }],
    ['is_internal "true" → assignment_mode "internal"', { directory_uid: 'D', is_internal: 'true' }, { assignee_type: 'directory', assignee_uid: 'D', settings: { assignment_mode: 'internal' } }],
    ['pre_installed "true" → assignment_mode "pre_installed"', { directory_uid: 'D', pre_installed: 'true' }, { assignee_type: 'directory', assignee_uid: 'D', settings: { assignment_mode: 'pre_installed' } }],
  ])('the seed\'s mapping, end to end: %s gives the same assignment as v3', async (_row, v1Body, v3Body) => {
    const fill = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o).replaceAll('"D"', `"${ids.mine}"`).replaceAll('"B"', `"${ids.myBusiness}"`));
    const v1 = await rest(yoga, 'POST', v1Path('public-app'), { token: tokens.internal, body: fill(v1Body) });
    expect(v1.status).toBe(201);
    const v3 = await rest(yoga, 'POST', V3, { token: tokens.internal, body: fill({ ...v3Body, app_code_name: 'public-app' }) });
    expect([v3.status, v3.body]).toEqual([200, v1.body]);
  });

  it('built_in "true" → BUILT_IN through v1 only; v3 reads it back as built_in', async () => {
    const v1 = await rest(yoga, 'POST', v1Path('public-app'), { token: tokens.internal, body: { directory_uid: ids.mine, built_in: 'true' } });
    expect([v1.status, v1.body.settings]).toEqual([201, { assignment_mode: 'built_in' }]);
    const listed = await rest(yoga, 'GET', `${V3}?assignee_type=directory&assignee_uid=${ids.mine}`, { token: tokens.internal });
    expect(listed.body.data).toEqual([v1.body]);
    const v3 = await refusedCall('POST', V3, {
      token: tokens.internal, body: { assignee_type: 'directory', assignee_uid: ids.mine, app_code_name: 'public-app', settings: { assignment_mode: 'built_in' } },
    });
    expect(v3.status).toBe(400);
  });
});

describe("a private app is assigned only inside its own directory (issue 17 item 11)", () => {
  const ASSIGN = `mutation ($input: AssignAppInput!) { assignApp(input: $input) { outcome assignment { id } } }`;
  const V1 = `mutation ($code: String!, $b: String, $d: String) { assignAppV1(appCodeName: $code, businessUid: $b, directoryUid: $d) { outcome } }`;

  it("an internal token may not assign one directory's private app to another directory's business or to a direct customer: GraphQL, /v3 and /platform/v1", async () => {
    const { gql } = await import('./helpers/graphql');
    for (const assignee of [{ businessId: ids.theirBusiness }, { businessId: ids.directCustomer }, { directoryId: ids.theirs }]) {
      const before = tableCounts(t.sqlite);
      const res = await gql(yoga, ASSIGN, { input: { appCodeName: 'my-app', assignee } }, tokens.internal);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors!.map((e) => [e.extensions!.code, e.extensions!.rule, e.message])).toEqual([
        [
          'FORBIDDEN',
          'PRIVATE_APP_DIRECTORY',
          "A private app may only be assigned inside its own directory: to that directory or to one of its businesses, not to another directory's or to a direct customer",
        ],
      ]);
      expect(tableCounts(t.sqlite)).toEqual(before);
    }
    const v1 = await gql(yoga, V1, { code: 'their-app', b: ids.myBusiness }, tokens.internal);
    expect(v1.body.errors!.map((e) => e.extensions!.rule)).toEqual(['PRIVATE_APP_DIRECTORY']);

    const v3 = await refusedCall('POST', V3, {
      token: tokens.internal,
      body: { assignee_type: 'business', assignee_uid: ids.theirBusiness, app_code_name: 'my-app' },
    });
    expect([v3.status, v3.body.error.code, v3.body.error.rule]).toEqual([403, 'FORBIDDEN', 'PRIVATE_APP_DIRECTORY']);
    const v3Directory = await refusedCall('POST', V3, {
      token: tokens.internal,
      body: { assignee_type: 'directory', assignee_uid: ids.theirs, app_code_name: 'my-app' },
    });
    expect([v3Directory.status, v3Directory.body.error.rule]).toEqual([403, 'PRIVATE_APP_DIRECTORY']);
    const legacy = await refusedCall('POST', v1Path('their-app'), { token: tokens.internal, body: { business_uid: ids.directCustomer } });
    expect([legacy.status, legacy.body.error.code, legacy.body.error.rule]).toEqual([403, 'FORBIDDEN', 'PRIVATE_APP_DIRECTORY']);
    expectDeprecationHeaders(legacy);

    // Their business never sees the private app through its assignments.
    const seen = await gql(yoga, `query ($b: ID!) { client(id: $b) { assignments { nodes { appCodeName } } } }`, { b: ids.theirBusiness }, tokens.internal);
    expect(seen.body.data.client.assignments.nodes).toEqual([]);
  });

  it('inside its directory, and for public apps anywhere, an internal token still assigns', async () => {
    const mine = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { assignee_type: 'business', assignee_uid: ids.myBusiness, app_code_name: 'my-app' } });
    expect(mine.status).toBe(201);
    const ownDirectory = await rest(yoga, 'POST', v1Path('their-app'), { token: tokens.internal, body: { directory_uid: ids.theirs } });
    expect(ownDirectory.status).toBe(201);
    const publicOne = await rest(yoga, 'POST', V3, { token: tokens.internal, body: { assignee_type: 'business', assignee_uid: ids.directCustomer, app_code_name: 'public-app' } });
    expect(publicOne.status).toBe(201);
  });
});
