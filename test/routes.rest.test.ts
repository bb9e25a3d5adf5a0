import { beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/services/clients';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';
import { rest } from './helpers/rest';

const CLIENT = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
const DESIGN_BOARD = 'f1a2b3c4-d5e6-7890-abcd-ef1234567890';
const TEAM_WIKI = '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b';
const APPS = `/v2/clients/${CLIENT}/apps`;
const APP_PATH = `${APPS}/${DESIGN_BOARD}`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let actor: { id: string; kind: string; name: string };

beforeEach(() => {
  t = testDatabase();
  token = seedDemoIfEmpty(t.db)!.token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
  const row = t.sqlite.prepare('SELECT id FROM tokens').get() as { id: string };
  actor = { id: row.id, kind: 'internal_token', name: 'demo admin' };
});

const untouched = (id: string, name: string, codeName: string) => ({
  id,
  name,
  code_name: codeName,
  is_approved: false,
  approved_at: null,
  resolution: 'unresolved',
  owner_email: null,
  category: null,
  risk_level: null,
  version: 0,
  updated_at: null,
});

describe('GET /v2/clients/{client_id}/apps', () => {
  it('pages by name with next_cursor, and filters by approved and search', async () => {
    const first = await rest(yoga, 'GET', `${APPS}?limit=2`, { token });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([
      untouched('a5c7e9b1-3d5f-4b7a-9e1c-d3f5b7a9c1e2', 'Code Review Bot', 'code-review-bot'),
      untouched(DESIGN_BOARD, 'Design Board', 'design-board'),
    ]);
    expect(typeof first.body.next_cursor).toBe('string');
    const second = await rest(yoga, 'GET', `${APPS}?limit=2&cursor=${first.body.next_cursor}`, { token });
    expect(second.body.data.map((a: { name: string }) => a.name)).toEqual(['Expense Tracker', 'Survey Builder']);
    const last = await rest(yoga, 'GET', `${APPS}?limit=10&search=WIKI`, { token });
    expect(last.body).toEqual({ data: [untouched(TEAM_WIKI, 'Team Wiki', 'team-wiki')], next_cursor: null });

    await rest(yoga, 'POST', `${APPS}/approval`, { token, body: { app_ids: [TEAM_WIKI] } });
    const approved = await rest(yoga, 'GET', `${APPS}?approved=true`, { token });
    expect(approved.body.data).toEqual([
      { ...untouched(TEAM_WIKI, 'Team Wiki', 'team-wiki'), is_approved: true, resolution: 'approved', approved_at: expect.stringMatching(ISO), version: 1, updated_at: expect.stringMatching(ISO) },
    ]);
    const notApproved = await rest(yoga, 'GET', `${APPS}?approved=false`, { token });
    expect(notApproved.body.data.map((a: { id: string }) => a.id)).not.toContain(TEAM_WIKI);
    // Acme, a direct customer, never sees the demo directory's private app (workshop-planner).
    expect(notApproved.body.data.map((a: { name: string }) => a.name)).toEqual(['Code Review Bot', 'Design Board', 'Expense Tracker', 'Survey Builder', 'Video Meetings']);
  });
});

describe('one app: GET, PATCH (Update App), history, notes', () => {
  it('GET returns the app', async () => {
    const res = await rest(yoga, 'GET', APP_PATH, { token });
    expect(res).toMatchObject({ status: 200, body: untouched(DESIGN_BOARD, 'Design Board', 'design-board') });
  });

  it('PATCH changes only the keys present, null clears, and returns the app', async () => {
    const res = await rest(yoga, 'PATCH', APP_PATH, {
      token,
      body: { is_approved: true, owner_email: 'design-lead@acme.example', risk_level: 'medium', category: 'Design', reason: 'Security review passed', expected_version: 0 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...untouched(DESIGN_BOARD, 'Design Board', 'design-board'),
      is_approved: true,
      resolution: 'approved',
      approved_at: expect.stringMatching(ISO),
      owner_email: 'design-lead@acme.example',
      category: 'Design',
      risk_level: 'medium',
      version: 1,
      updated_at: expect.stringMatching(ISO),
    });
    const cleared = await rest(yoga, 'PATCH', APP_PATH, { token, body: { category: null } });
    expect(cleared.body).toMatchObject({ category: null, owner_email: 'design-lead@acme.example', risk_level: 'medium', version: 2 });
  });

  it('history: approval changes carry structured metadata, updates list snake_case changes, notes their text; newest first, paged, filtered', async () => {
    await rest(yoga, 'POST', `${APPS}/approval`, { token, body: { app_ids: [DESIGN_BOARD], reason: 'Vendor review passed' } });
    await rest(yoga, 'PATCH', APP_PATH, { token, body: { risk_level: 'high', owner_email: 'a@acme.example' } });
    const note = await rest(yoga, 'POST', `${APP_PATH}/history/notes`, { token, body: { note: '  Legal signed the DPA.  ' } });
    expect(note.status).toBe(201);
    expect(note.body).toEqual({ id: expect.stringMatching(UUID), type: 'note_added', created_at: expect.stringMatching(ISO), actor, note: 'Legal signed the DPA.' });

    const history = await rest(yoga, 'GET', `${APP_PATH}/history`, { token });
    expect(history.status).toBe(200);
    const common = { id: expect.stringMatching(UUID), created_at: expect.stringMatching(ISO), actor };
    expect(history.body).toEqual({
      data: [
        { ...common, id: note.body.id, type: 'note_added', note: 'Legal signed the DPA.' },
        {
          ...common,
          type: 'app_updated',
          metadata: {
            changes: [
              { field: 'owner_email', from: null, to: 'a@acme.example' },
              { field: 'risk_level', from: null, to: 'high' },
            ],
            reason: null,
          },
        },
        {
          ...common,
          type: 'approval_status_changed',
          metadata: { was_approved: false, is_approved: true, from_resolution: 'unresolved', to_resolution: 'approved', reason: 'Vendor review passed' },
        },
      ],
      next_cursor: null,
    });

    const page = await rest(yoga, 'GET', `${APP_PATH}/history?limit=1&types=approval_status_changed,note_added`, { token });
    expect(page.body.data.map((e: { type: string }) => e.type)).toEqual(['note_added']);
    const next = await rest(yoga, 'GET', `${APP_PATH}/history?limit=1&types=approval_status_changed,note_added&cursor=${page.body.next_cursor}`, { token });
    expect(next.body).toEqual({ data: [history.body.data[2]], next_cursor: null });
  });

  it('a blank note is refused with the GraphQL message', async () => {
    const res = await rest(yoga, 'POST', `${APP_PATH}/history/notes`, { token, body: { note: '   ' } });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', message: 'note must be 1 to 2000 characters after trimming; got 0', field: 'note' } },
    });
  });
});

describe('a REST call and the equivalent GraphQL call leave identical rows and history', () => {
  const OTHER = 'bb7cf840-9ca9-46a3-9778-9015d6580d50';
  const snapshot = (clientId: string) => ({
    states: t.sqlite
      .prepare(`SELECT app_id, resolution, decided_by, owner_email, category, risk_level, version, decided_at IS NOT NULL AS decided
                FROM client_app_states WHERE client_id = ? ORDER BY app_id`)
      .all(clientId),
    events: t.sqlite
      // The demo's install request has no twin in OTHER: compare the events these calls write.
      .prepare(`SELECT app_id, type, actor_id, actor_kind, actor_name, data FROM app_history_events
                WHERE client_id = ? AND type NOT LIKE 'INSTALL_REQUEST_%' ORDER BY seq`)
      .all(clientId),
  });

  it('approve, remove, update and note, once through /v2 and once through /graphql', async () => {
    createClient(t.db, { id: OTHER, name: 'Twin' });
    const base = `/v2/clients/${CLIENT}/apps`;
    await rest(yoga, 'POST', `${base}/approval`, { token, body: { app_ids: [DESIGN_BOARD, TEAM_WIKI], reason: 'ok' } });
    await rest(yoga, 'POST', `${base}/approvals/remove`, { token, body: { app_ids: [TEAM_WIKI] } });
    await rest(yoga, 'PATCH', `${base}/${DESIGN_BOARD}`, { token, body: { risk_level: 'low', owner_email: 'o@acme.example', reason: 'r', expected_version: 1 } });
    await rest(yoga, 'POST', `${base}/${DESIGN_BOARD}/history/notes`, { token, body: { note: 'n' } });

    const v = { c: OTHER, a: DESIGN_BOARD };
    await gql(yoga, 'mutation ($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids, reason: "ok") { succeeded } }', { c: OTHER, ids: [DESIGN_BOARD, TEAM_WIKI] }, token);
    await gql(yoga, 'mutation ($c: ID!, $ids: [ID!]!) { removeAppApprovals(clientId: $c, appIds: $ids) { succeeded } }', { c: OTHER, ids: [TEAM_WIKI] }, token);
    await gql(
      yoga,
      'mutation ($c: ID!, $a: ID!) { updateApp(clientId: $c, appId: $a, input: { riskLevel: LOW, ownerEmail: "o@acme.example", reason: "r", expectedVersion: 1 }) { id } }',
      v,
      token,
    );
    await gql(yoga, 'mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "n") { id } }', v, token);

    const viaRest = snapshot(CLIENT);
    expect(viaRest.states).toHaveLength(2);
    expect(viaRest.events).toHaveLength(5);
    expect(snapshot(OTHER)).toEqual(viaRest);
  });
});
