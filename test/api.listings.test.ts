import { beforeAll, describe, expect, it } from 'vitest';
import type { RiskLevel } from '../src/db/schema';
import { addAppHistoryNote, updateApp } from '../src/services/app-details';
import { approveApps } from '../src/services/approvals';
import { createApp } from '../src/services/apps';
import { createDirectory } from '../src/services/directories';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql, type GraphQLResponse } from './helpers/graphql';

interface Expected {
  id: string;
  name: string;
  codeName: string;
  risk: RiskLevel | null;
  category: string | null;
  approved: boolean;
  updatedAt: number;
}

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;
const apps: Expected[] = [];
/** Private apps: this client's directory's (listed) and another directory's (never listed, even with a state row). */
const ownApps: Expected[] = [];
const RISKS: (RiskLevel | null)[] = ['LOW', 'HIGH', null, 'CRITICAL', 'HIGH'];
const T0 = Date.UTC(2026, 0, 1);

beforeAll(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  const actor = principalFor(t.db);
  // Names with mixed case, repeats (ties broken by id) and LIKE metacharacters.
  const names = ['alpha', 'Bravo', 'charlie 100%', 'delta_force', 'Echo', 'alpha', 'FOXTROT', 'golf', 'Hotel', 'india'];
  for (let i = 0; i < 30; i++) {
    const name = `${names[i % names.length]} ${Math.floor(i / names.length)}`;
    const app = createApp(t.db, { id: uuid(1000 + ((i * 7) % 30)), name, codeName: `code-${i}` });
    apps.push({ id: app.id, name, codeName: app.codeName, risk: null, category: null, approved: false, updatedAt: 0 });
  }
  // Every third app is rated and categorised, at distinct times; some are approved.
  apps.forEach((app, i) => {
    if (i % 3 !== 0) return;
    const now = new Date(T0 + i * 60_000);
    const risk = RISKS[i % RISKS.length]!;
    const category = i % 2 === 0 ? 'Design' : 'design tools';
    updateApp(t.db, { clientId, appId: app.id, patch: { category, ...(risk ? { riskLevel: risk } : {}) }, actor, now });
    Object.assign(app, { risk, category, updatedAt: now.getTime() });
  });
  const approve = apps.filter((_, i) => i % 4 === 0);
  approveApps(t.db, { clientId, appIds: approve.map((a) => a.id), actor, maxIds: 100, now: new Date(T0 + 3_600_000) });
  for (const app of approve) Object.assign(app, { approved: true, updatedAt: T0 + 3_600_000 });
  addAppHistoryNote(t.db, { clientId, appId: apps[0]!.id, note: 'first note', actor, now: new Date(T0 + 7_200_000) });
  // The client joins a directory; its private apps are listed with the public ones, another directory's never are.
  const [mine, other] = [uuid(3000), uuid(3001)];
  createDirectory(t.db, { id: mine, name: 'Mine' });
  createDirectory(t.db, { id: other, name: 'Other' });
  t.sqlite.prepare('UPDATE clients SET directory_id = ? WHERE id = ?').run(mine, clientId);
  // State rows written directly: a foreign app's stands for one changed before the app went private.
  const state = t.sqlite.prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, category, risk_level, version, updated_at)
    VALUES (?, ?, ?, ?, ?, 2, ?)`);
  for (let i = 0; i < 8; i++) {
    const own = i < 5;
    const app = createApp(t.db, { id: uuid(2000 + ((i * 3) % 8)), name: `alpha ${own ? 'own' : 'foreign'} ${i}`, codeName: `private-${i}`, ownerDirectoryId: own ? mine : other });
    const expected: Expected = { id: app.id, name: app.name, codeName: app.codeName, risk: null, category: null, approved: false, updatedAt: 0 };
    if (i % 2 === 0) {
      // A tie with the batch approval (same updated_at), and a category in another case.
      Object.assign(expected, { risk: 'HIGH', category: 'DESIGN', approved: i % 4 === 0, updatedAt: i === 0 ? T0 + 3_600_000 : T0 + i * 90_000 });
      state.run(clientId, app.id, expected.approved ? 'approved' : 'unresolved', expected.category, expected.risk, expected.updatedAt);
    }
    if (own) ownApps.push(expected);
  }
  token = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 100 } });
});

const LIST = `query ($c: ID!, $first: Int, $after: String, $approved: Boolean, $search: String, $riskLevel: RiskLevel,
  $category: String, $orderBy: AppOrder) { client(id: $c) { apps(first: $first, after: $after, approved: $approved,
  search: $search, riskLevel: $riskLevel, category: $category, orderBy: $orderBy) {
  totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }`;

async function everyPage(variables: Record<string, unknown>, first: number) {
  const ids: string[] = [];
  const totals: number[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: GraphQLResponse = await gql(yoga, LIST, { c: clientId, first, after, ...variables }, token);
    expect(res.body.errors).toBeUndefined();
    const page: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.body.data.client.apps;
    ids.push(...page.nodes.map((n) => n.id));
    totals.push(page.totalCount);
    if (!page.pageInfo.hasNextPage) return { ids, totals };
    after = page.pageInfo.endCursor;
  }
  throw new Error('did not finish');
}

const byName = (a: Expected, b: Expected) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id < b.id ? -1 : 1);
const byUpdated = (a: Expected, b: Expected) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1);

const FILTERS: [string, Record<string, unknown>, (a: Expected) => boolean][] = [
  ['approved', { approved: true }, (a) => a.approved],
  ['not approved', { approved: false }, (a) => !a.approved],
  ['search', { search: 'ALPHA' }, (a) => a.name.startsWith('alpha')],
  ['riskLevel', { riskLevel: 'HIGH' }, (a) => a.risk === 'HIGH'],
  ['category', { category: 'design' }, (a) => a.category?.toLowerCase() === 'design'],
  ['filters combined', { category: 'DESIGN', riskLevel: 'HIGH', approved: true }, (a) => a.category?.toLowerCase() === 'design' && a.risk === 'HIGH' && a.approved],
];

describe('Client.apps filters and order', () => {
  const cases: [string, Record<string, unknown>, (a: Expected) => boolean, (a: Expected, b: Expected) => number][] = [
    ['everything by name', {}, () => true, byName],
    ['by name, descending', { orderBy: { field: 'NAME', direction: 'DESC' } }, () => true, (a, b) => -byName(a, b)],
    ['by updatedAt, ascending', { orderBy: { field: 'UPDATED_AT' } }, () => true, byUpdated],
    ['by updatedAt, descending', { orderBy: { field: 'UPDATED_AT', direction: 'DESC' } }, () => true, (a, b) => -byUpdated(a, b)],
    ['approved', { approved: true }, (a) => a.approved, byName],
    ['not approved, newest first', { approved: false, orderBy: { field: 'UPDATED_AT', direction: 'DESC' } }, (a) => !a.approved, (a, b) => -byUpdated(a, b)],
    ['search, case-insensitive, on name', { search: 'ALPHA' }, (a) => a.name.startsWith('alpha'), byName],
    ['search on code name', { search: 'code-1' }, (a) => a.codeName.startsWith('code-1'), byName],
    ['search treats % literally', { search: '100%' }, (a) => a.name.includes('100%'), byName],
    ['search treats _ literally', { search: 'a_f' }, (a) => a.name.includes('a_f'), byName],
    ['riskLevel', { riskLevel: 'HIGH' }, (a) => a.risk === 'HIGH', byName],
    ['category, case-insensitive', { category: 'DESIGN' }, (a) => a.category?.toLowerCase() === 'design', byName],
    ['filters combine', { category: 'design', riskLevel: 'HIGH', approved: true }, (a) => a.category?.toLowerCase() === 'design' && a.risk === 'HIGH' && a.approved, byName],
    ...FILTERS.flatMap(([name, variables, filter]) => [
      [`${name}, oldest first`, { ...variables, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } }, filter, byUpdated],
      [`${name}, newest first`, { ...variables, orderBy: { field: 'UPDATED_AT', direction: 'DESC' } }, filter, (a: Expected, b: Expected) => -byUpdated(a, b)],
    ] as typeof cases),
  ];
  it.each(cases)('%s: every page, no app skipped or repeated, totalCount right', async (_name, variables, filter, order) => {
    const expected = [...apps, ...ownApps].filter(filter).sort(order).map((a) => a.id);
    expect(expected.length).toBeGreaterThan(0);
    for (const first of [1, 3, 100]) {
      const { ids, totals } = await everyPage(variables, first);
      expect(ids).toEqual(expected);
      expect(new Set(totals)).toEqual(new Set([expected.length]));
    }
  });

  it('a cursor only continues the order it came from', async () => {
    const res = await gql(yoga, LIST, { c: clientId, first: 2 }, token);
    const after = res.body.data.client.apps.pageInfo.endCursor;
    const other = await gql(yoga, LIST, { c: clientId, first: 2, after, orderBy: { field: 'UPDATED_AT' } }, token);
    expect(errorCodes(other)).toEqual(['BAD_USER_INPUT']);
    expect(other.body.errors![0]!.extensions!.field).toBe('after');
  });

  it.each([
    [{ search: 's'.repeat(201) }, 'search', 'search must be at most 200 characters'],
    [{ category: '   ' }, 'category', 'category must be 1 to 100 characters'],
  ])('refuses the filter %j with BAD_USER_INPUT naming it', async (variables, field, message) => {
    const res = await gql(yoga, LIST, { c: clientId, ...variables }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.extensions!.field).toBe(field);
    expect(res.body.errors![0]!.message).toBe(message);
  });

  it('counts only when totalCount is asked for', async () => {
    t.sql.reset();
    await gql(yoga, `query ($c: ID!) { client(id: $c) { apps(first: 5) { nodes { id } } } }`, { c: clientId }, token);
    expect(t.sql.statements.filter((s) => s.includes('count(*)'))).toEqual([]);
  });
});

const AUDIT = `query ($c: ID!, $first: Int, $after: String, $types: [AppHistoryEventType!], $since: DateTime, $until: DateTime) {
  client(id: $c) { history(first: $first, after: $after, types: $types, since: $since, until: $until) {
    nodes { type createdAt app { id name riskLevel } } pageInfo { hasNextPage endCursor } } } }`;

describe('history filters and the client-wide audit view', () => {
  it('lists every event of every app, newest first, each with its app, across pages', async () => {
    const seen: { type: string; createdAt: string; app: { id: string } }[] = [];
    let after: string | null = null;
    do {
      const res: GraphQLResponse = await gql(yoga, AUDIT, { c: clientId, first: 3, after }, token);
      const page: { nodes: typeof seen; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.body.data.client.history;
      seen.push(...page.nodes);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const updated = apps.filter((_, i) => i % 3 === 0).length;
    const approved = apps.filter((a) => a.approved).length;
    expect(seen).toHaveLength(updated + approved + 1);
    expect(seen[0]).toMatchObject({ type: 'NOTE_ADDED', app: { id: apps[0]!.id } });
    const times = seen.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by type and by a half-open time window', async () => {
    const res = await gql(yoga, AUDIT, {
      c: clientId, first: 100, types: ['APP_UPDATED'],
      since: new Date(T0 + 3 * 60_000).toISOString(), until: new Date(T0 + 12 * 60_000).toISOString(),
    }, token);
    // Apps 3, 6 and 9 were updated at minutes 3, 6 and 9; minute 12 is excluded.
    expect(res.body.data.client.history.nodes.map((e: { app: { id: string } }) => e.app.id)).toEqual([apps[9]!.id, apps[6]!.id, apps[3]!.id]);
    const app = await gql(yoga, `query ($c: ID!, $a: ID!, $types: [AppHistoryEventType!]) { appHistory(clientId: $c, appId: $a, types: $types) { nodes { type } } }`,
      { c: clientId, a: apps[0]!.id, types: ['NOTE_ADDED', 'APPROVAL_STATUS_CHANGED'] }, token);
    expect(app.body.data.appHistory.nodes).toEqual([{ type: 'NOTE_ADDED' }, { type: 'APPROVAL_STATUS_CHANGED' }]);
  });

  it('nested App.history takes the same filters, still in one batched query', async () => {
    t.sql.reset();
    const res = await gql(yoga, `query ($c: ID!) { client(id: $c) { apps(first: 100) { nodes { id
      history(types: [APPROVAL_STATUS_CHANGED], until: "${new Date(T0 + 3_600_001).toISOString()}") { nodes { type createdAt } } } } } }`, { c: clientId }, token);
    const nodes: { id: string; history: { nodes: { type: string }[] } }[] = res.body.data.client.apps.nodes;
    for (const node of nodes) {
      // The private apps' state rows were written without history.
      const app = apps.find((a) => a.id === node.id);
      expect(node.history.nodes).toEqual(app?.approved ? [{ type: 'APPROVAL_STATUS_CHANGED', createdAt: new Date(T0 + 3_600_000).toISOString() }] : []);
    }
    expect(t.sql.statements.filter((s) => s.includes('app_history_events'))).toHaveLength(1);
  });

  it('the audit view runs a constant number of statements whatever the page size', async () => {
    const counts: number[] = [];
    const total = apps.filter((_, i) => i % 3 === 0).length + apps.filter((a) => a.approved).length + 1;
    for (const first of [1, 10, 100]) {
      t.sql.reset();
      const res = await gql(yoga, AUDIT, { c: clientId, first }, token);
      expect(res.body.data.client.history.nodes.length).toBe(Math.min(first, total));
      counts.push(t.sql.statements.length);
    }
    // token, client, one events page, one batched app lookup
    expect(counts).toEqual([4, 4, 4]);
  });

  it.each([
    [{ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'since'],
    [{ types: [] }, 'types'],
    [{ first: 0 }, 'first'],
    [{ after: 'bm9wZQ' }, 'after'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (variables, field) => {
    for (const query of [AUDIT, `query ($c: ID!, $a: ID!, $first: Int, $after: String, $types: [AppHistoryEventType!], $since: DateTime, $until: DateTime) {
      appHistory(clientId: $c, appId: $a, first: $first, after: $after, types: $types, since: $since, until: $until) { nodes { id } } }`]) {
      const res = await gql(yoga, query, { c: clientId, a: apps[0]!.id, ...variables }, token);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.extensions!.field).toBe(field);
    }
  });

  it('refuses a DateTime that is not ISO 8601 with a zone', async () => {
    const res = await gql(yoga, AUDIT, { c: clientId, since: 'yesterday' }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toContain('DateTime must be an ISO 8601 date-time with a time zone');
  });
});
