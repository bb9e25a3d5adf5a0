import { describe, expect, it } from 'vitest';
import { planDecisions, planScopeChange, type DecisionCall, type DecisionRow } from '../src/services/decision-rules';
import { effectiveResolution } from '../src/services/workspaces';

const APP = 'a0000000-0000-4000-8000-000000000001';
const WS = 'b0000000-0000-4000-8000-000000000001';
const WS2 = 'b0000000-0000-4000-8000-000000000002';

function row(overrides: Partial<DecisionRow> = {}): DecisionRow {
  return {
    appId: APP,
    found: true,
    appScopes: ['chat:write', 'files:read'],
    org: { resolution: 'unresolved', approvedScopes: null, needsReapproval: false },
    workspace: null,
    pendingRequests: [],
    workspaceApprovals: [],
    ...overrides,
  };
}
const call = (overrides: Partial<DecisionCall>): DecisionCall => ({
  action: 'approve',
  workspaceId: null,
  scopes: null,
  reason: null,
  requestId: null,
  ...overrides,
});
const strip = (plan: ReturnType<typeof planDecisions>) => ({
  ...plan,
  events: plan.events.map(({ eventId: _id, ...e }) => e),
});

describe('effectiveResolution (Slack precedence)', () => {
  it('an org restriction beats a workspace approval', () => {
    expect(effectiveResolution({ resolution: 'restricted', approvedScopes: null }, { resolution: 'approved', approvedScopes: [] })).toEqual({
      resolution: 'restricted',
      source: 'org',
      approvedScopes: null,
      approvalExpiresAt: null,
    });
  });
  it('a workspace restriction applies under an org approval', () => {
    expect(effectiveResolution({ resolution: 'approved', approvedScopes: ['a'] }, { resolution: 'restricted', approvedScopes: null })).toEqual({
      resolution: 'restricted',
      source: 'workspace',
      approvedScopes: null,
      approvalExpiresAt: null,
    });
  });
  it('an org approval is the default for a workspace without its own decision', () => {
    expect(effectiveResolution({ resolution: 'approved', approvedScopes: ['a'] }, null)).toEqual({
      resolution: 'approved',
      source: 'org',
      approvedScopes: ['a'],
      approvalExpiresAt: null,
    });
    expect(effectiveResolution({ resolution: 'unresolved', approvedScopes: null }, null)).toEqual({
      resolution: 'unresolved',
      source: 'none',
      approvedScopes: null,
      approvalExpiresAt: null,
    });
  });
});

describe('planDecisions', () => {
  it('org approval records every current scope and resolves the pending requests it covers', () => {
    const plan = strip(planDecisions([row({ pendingRequests: [{ id: 'r1', workspaceId: WS }] })], call({ reason: 'ok' })));
    expect(plan).toEqual({
      succeeded: [APP],
      failed: [],
      changed: [APP],
      orgStates: [{ appId: APP, resolution: 'approved', approvedScopes: ['chat:write', 'files:read'], approvalExpiresAt: null }],
      workspaceUpserts: [],
      workspaceDeletes: [],
      requestResolutions: [{ id: 'r1', status: 'approved' }],
      dueAt: null,
      events: [
        { appId: APP, type: 'APPROVAL_STATUS_CHANGED', data: { from: 'unresolved', to: 'approved', reason: 'ok', approvedScopes: ['chat:write', 'files:read'] } },
        {
          appId: APP,
          type: 'INSTALL_REQUEST_RESOLVED',
          data: { requestId: 'r1', workspaceId: WS, status: 'approved', decidedInWorkspaceId: null, reason: 'ok' },
        },
      ],
    });
  });

  it('org restriction voids each workspace approval with its own event', () => {
    const plan = strip(planDecisions([row({ org: { resolution: 'approved', approvedScopes: [], needsReapproval: false }, workspaceApprovals: [WS, WS2] })], call({ action: 'restrict' })));
    expect(plan.workspaceDeletes).toEqual([
      { workspaceId: WS, appId: APP },
      { workspaceId: WS2, appId: APP },
    ]);
    expect(plan.events.map((e) => [e.type, e.data])).toEqual([
      ['APPROVAL_STATUS_CHANGED', { from: 'approved', to: 'restricted', reason: null }],
      ['WORKSPACE_APPROVAL_VOIDED', { workspaceId: WS, reason: null }],
      ['WORKSPACE_APPROVAL_VOIDED', { workspaceId: WS2, reason: null }],
    ]);
  });

  it('refuses a workspace approval under an org restriction, but allows a workspace restriction', () => {
    const restricted = row({ org: { resolution: 'restricted', approvedScopes: null, needsReapproval: false } });
    expect(planDecisions([restricted], call({ workspaceId: WS })).failed).toEqual([
      { id: APP, error: 'The app is restricted org-wide', code: 'APP_RESTRICTED_ORG_WIDE' },
    ]);
    const plan = planDecisions([restricted], call({ action: 'restrict', workspaceId: WS }));
    expect(plan.workspaceUpserts).toEqual([{ appId: APP, resolution: 'restricted', approvedScopes: null, approvalExpiresAt: null }]);
  });

  it('org clear touches only the org level, and clears needs-re-approval', () => {
    const plan = planDecisions([row({ org: { resolution: 'unresolved', approvedScopes: null, needsReapproval: true } })], call({ action: 'clear' }));
    expect(plan.orgStates).toEqual([{ appId: APP, resolution: 'unresolved', approvedScopes: null, approvalExpiresAt: null }]);
    expect(plan.workspaceDeletes).toEqual([]);
    expect(planDecisions([row()], call({ action: 'clear' })).changed).toEqual([]);
  });

  it('workspace clear removes the workspace decision; unapprove leaves a restriction alone', () => {
    const approved = row({ workspace: { resolution: 'approved', approvedScopes: [] } });
    expect(planDecisions([approved], call({ action: 'clear', workspaceId: WS })).workspaceDeletes).toEqual([{ workspaceId: WS, appId: APP }]);
    const restricted = row({ workspace: { resolution: 'restricted', approvedScopes: null } });
    expect(planDecisions([restricted], call({ action: 'unapprove', workspaceId: WS }))).toMatchObject({ succeeded: [APP], changed: [], events: [] });
  });

  it('refuses scopes the app does not request; a repeat with the same scopes changes nothing', () => {
    expect(planDecisions([row()], call({ scopes: ['chat:write', 'admin'] })).failed).toEqual([
      { id: APP, error: 'The app does not request these scopes: admin', code: 'INVALID_SCOPES', invalidScopes: ['admin'] },
    ]);
    const approved = row({ org: { resolution: 'approved', approvedScopes: ['files:read', 'chat:write'], needsReapproval: false } });
    expect(planDecisions([approved], call({})).changed).toEqual([]);
    expect(planDecisions([approved], call({ scopes: ['chat:write'] })).orgStates).toEqual([{ appId: APP, resolution: 'approved', approvedScopes: ['chat:write'], approvalExpiresAt: null }]);
  });

  it('an approval whose end has passed counts as none; a new end is a change, recorded on the event, and sets the due time', () => {
    const end = 1_000;
    const lapsing = row({ org: { resolution: 'approved', approvedScopes: ['chat:write', 'files:read'], needsReapproval: false, approvalExpiresAt: end } });
    // Before the end: the same approval again, with the same end, changes nothing; without one it becomes permanent.
    expect(planDecisions([lapsing], call({ now: end - 1, expiresAt: end })).changed).toEqual([]);
    const permanent = planDecisions([lapsing], call({ now: end - 1 }));
    expect(permanent.orgStates).toEqual([{ appId: APP, resolution: 'approved', approvedScopes: ['chat:write', 'files:read'], approvalExpiresAt: null }]);
    expect(permanent.events[0]!.data).toMatchObject({ from: 'approved', to: 'approved', expiresAt: null });
    expect(permanent.dueAt).toBeNull();
    const extended = planDecisions([lapsing], call({ now: end - 1, expiresAt: 5_000 }));
    expect(extended.events[0]!.data).toMatchObject({ from: 'approved', expiresAt: new Date(5_000).toISOString() });
    expect(extended.dueAt).toBe(5_000);
    // At the end: lapsed, so approving again is from UNRESOLVED, and removing it changes nothing.
    expect(planDecisions([lapsing], call({ now: end })).events[0]!.data).toMatchObject({ from: 'unresolved', to: 'approved' });
    expect(planDecisions([lapsing], call({ now: end, action: 'unapprove' })).changed).toEqual([]);
    // A restriction drops the end: nothing is left to lapse.
    expect(planDecisions([lapsing], call({ now: end - 1, action: 'restrict' })).orgStates[0]).toMatchObject({ resolution: 'restricted', approvalExpiresAt: null });
  });

  it('a lapsed workspace approval counts as none: approving again is from UNRESOLVED; the same end before it is no change', () => {
    const lapsed = row({ workspace: { resolution: 'approved', approvedScopes: ['chat:write', 'files:read'], approvalExpiresAt: 10 } });
    expect(planDecisions([lapsed], call({ workspaceId: WS, now: 10 })).events[0]!.data).toMatchObject({ from: 'unresolved', to: 'approved' });
    expect(planDecisions([lapsed], call({ workspaceId: WS, now: 9 })).changed).toEqual([APP]);
    expect(planDecisions([lapsed], call({ workspaceId: WS, now: 9, expiresAt: 10 })).changed).toEqual([]);
  });

  it('fails unknown apps individually', () => {
    expect(planDecisions([row({ found: false })], call({})).failed).toEqual([{ id: APP, error: 'App not found', code: 'APP_NOT_FOUND' }]);
  });
});

describe('planScopeChange', () => {
  it('loses only approvals that no longer cover the requested scopes', () => {
    const plan = planScopeChange(APP, ['a', 'b', 'c'], [
      { clientId: 'c1', approvedScopes: ['a', 'b'] },
      { clientId: 'c2', approvedScopes: ['a', 'b', 'c', 'd'] },
    ], null);
    expect(plan.lostClientIds).toEqual(['c1']);
    expect(plan.events.map(({ eventId: _e, ...e }) => e)).toEqual([
      { clientId: 'c1', appId: APP, type: 'APPROVAL_LOST_SCOPE_CHANGE', data: { approvedScopes: ['a', 'b'], requestedScopes: ['a', 'b', 'c'], uncoveredScopes: ['c'], reason: null } },
    ]);
    expect(planScopeChange(APP, ['a'], [{ clientId: 'c1', approvedScopes: ['a', 'b'] }], null).lostClientIds).toEqual([]);
  });
});
