import { beforeEach, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, testDatabase } from './helpers/db';
import { rest } from './helpers/rest';
import { tableCounts } from './helpers/tables';

const CLIENT = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
const DESIGN_BOARD = 'f1a2b3c4-d5e6-7890-abcd-ef1234567890';
const TEAM_WIKI = '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b';
const UNKNOWN = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const APPROVE = `/v2/clients/${CLIENT}/apps/approval`;
const REMOVE = `/v2/clients/${CLIENT}/apps/approvals/remove`;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;

beforeEach(() => {
  t = testDatabase();
  token = seedDemoIfEmpty(t.db)!.token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 3 } });
});

const approvedIds = () =>
  (t.sqlite.prepare(`SELECT app_id FROM client_app_states WHERE resolution = 'approved' ORDER BY app_id`).all() as { app_id: string }[]).map(
    (r) => r.app_id,
  );

describe('POST /v2/clients/{client_id}/apps/approval (seed 000)', () => {
  it('"All succeeded", then idempotent: the repeat writes nothing', async () => {
    const res = await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD, TEAM_WIKI] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ succeeded: [DESIGN_BOARD, TEAM_WIKI], failed: [] });
    expect(approvedIds()).toEqual([TEAM_WIKI, DESIGN_BOARD]);
    const before = tableCounts(t.sqlite);
    const again = await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD, TEAM_WIKI] } });
    expect(again.body).toEqual({ succeeded: [DESIGN_BOARD, TEAM_WIKI], failed: [] });
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('"Partial success": the all-f id fails with "App not found"', async () => {
    const res = await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD, UNKNOWN] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ succeeded: [DESIGN_BOARD], failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }] });
  });

  it("the seed's own example body is refused with 400 naming both ids that are not UUIDs, writing nothing", async () => {
    const before = tableCounts(t.sqlite);
    const body = { app_ids: [DESIGN_BOARD, 'g2b3c4d5-e6f7-8901-bcde-f12345678901', 'h3c4d5e6-f7a8-9012-cdef-234567890123'] };
    const res = await rest(yoga, 'POST', APPROVE, { token, body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'BAD_USER_INPUT',
        message:
          'appIds has ids that are not a UUID (8-4-4-4-12 hexadecimal): "g2b3c4d5-e6f7-8901-bcde-f12345678901", "h3c4d5e6-f7a8-9012-cdef-234567890123"',
        field: 'appIds',
        invalidCount: 2,
      },
    });
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('dry_run answers as the real call would and writes nothing; reason is recorded on the events', async () => {
    const before = tableCounts(t.sqlite);
    const dry = await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD, UNKNOWN], dry_run: true, reason: 'trial' } });
    expect(dry.body).toEqual({ succeeded: [DESIGN_BOARD], failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }] });
    expect(tableCounts(t.sqlite)).toEqual(before);
    await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD], reason: 'Vendor review passed' } });
    const event = t.sqlite.prepare("SELECT data FROM app_history_events WHERE type = 'APPROVAL_STATUS_CHANGED'").get() as { data: string };
    expect(JSON.parse(event.data)).toEqual({ from: 'unresolved', to: 'approved', reason: 'Vendor review passed', approvedScopes: ['files:read', 'files:write'] });
  });
});

describe('POST /v2/clients/{client_id}/apps/approvals/remove (seed 001)', () => {
  it('removes approvals, partial success for the unknown id, one history event per real change', async () => {
    await rest(yoga, 'POST', APPROVE, { token, body: { app_ids: [DESIGN_BOARD, TEAM_WIKI] } });
    const res = await rest(yoga, 'POST', REMOVE, { token, body: { app_ids: [DESIGN_BOARD, UNKNOWN] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ succeeded: [DESIGN_BOARD], failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }] });
    expect(approvedIds()).toEqual([TEAM_WIKI]);
    // 3, and the demo's pending install request (INSTALL_REQUEST_CREATED).
    expect(tableCounts(t.sqlite).events).toBe(4);
  });
});

describe('refusals of the bulk routes', () => {
  it('401 with WWW-Authenticate when the token is missing', async () => {
    const res = await rest(yoga, 'POST', APPROVE, { body: { app_ids: [DESIGN_BOARD] } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'Authentication required: send "Authorization: Bearer <token>"' },
    });
  });

  it('403 for a token without apps:write', async () => {
    const reader = issueToken(t.db, 'internal', undefined, ['apps:read']).token;
    const res = await rest(yoga, 'POST', APPROVE, { token: reader, body: { app_ids: [DESIGN_BOARD] } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 'FORBIDDEN', message: 'This token lacks the apps:write scope', reason: 'MISSING_SCOPE', needed: 'apps:write', provided: ['apps:read'] },
    });
    expect(approvedIds()).toEqual([]);
  });
});
