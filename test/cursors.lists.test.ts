import { describe, expect, it } from 'vitest';
import { listAppDecisions } from '../src/services/app-decisions';
import { approveApps } from '../src/services/approvals';
import { codeNameFrom } from '../src/services/apps';
import { listAssignmentEvents, listAssignments } from '../src/services/assignment-lists';
import { assignApp } from '../src/services/assignments';
import { DEMO_APPS, DEMO_BUSINESS_ID, DEMO_CLIENT_ID, DEMO_DIRECTORY_ID, DEMO_WORKSPACES, seedDemoIfEmpty } from '../src/services/demo';
import { listInstallRequests } from '../src/services/install-requests';
import { findWorkspace, listWorkspaceApps, listWorkspaces } from '../src/services/workspaces';
import { AppgovError } from '../src/errors';
import { principalFor, testDatabase } from './helpers/db';

/**
 * Finding 10 for the lists of seeds 002 and 003: each cursor is bound to its
 * list and filters, so one from another client, workspace, status or filter is
 * refused with BAD_USER_INPUT on `after`, while the list it came from takes it.
 */
const t = testDatabase();
seedDemoIfEmpty(t.db);
const actor = principalFor(t.db);
approveApps(t.db, { clientId: DEMO_CLIENT_ID, appIds: DEMO_APPS.slice(0, 3).map((a) => a.id), actor, maxIds: 10 });
for (const app of DEMO_APPS.slice(0, 2)) {
  assignApp(t.db, { actor, appCodeName: codeNameFrom(app.name), assignee: { type: 'directory', id: DEMO_DIRECTORY_ID }, mode: 'STANDARD' });
  assignApp(t.db, { actor, appCodeName: codeNameFrom(app.name), assignee: { type: 'business', id: DEMO_BUSINESS_ID }, mode: 'STANDARD' });
}
const [sales, engineering] = DEMO_WORKSPACES.map((w) => findWorkspace(t.db, w.id)!);

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof AppgovError) return { code: error.code, field: error.details.field };
    throw error;
  }
  return null;
}
const REFUSED = { code: 'BAD_USER_INPUT', field: 'after' };

describe('cursors of the seed-002 and seed-003 lists are bound to their list', () => {
  it('workspaces: another client', () => {
    const after = listWorkspaces(t.db, { clientId: DEMO_CLIENT_ID, first: 1 }).items[0]!.cursor;
    expect(listWorkspaces(t.db, { clientId: DEMO_CLIENT_ID, first: 1, after }).items).toHaveLength(1);
    expect(refusal(() => listWorkspaces(t.db, { clientId: DEMO_BUSINESS_ID, after }))).toEqual(REFUSED);
  });

  it('a workspace’s apps: another workspace', () => {
    const after = listWorkspaceApps(t.db, { workspace: sales!, first: 1 }).items[0]!.cursor;
    expect(listWorkspaceApps(t.db, { workspace: sales!, first: 1, after }).items).toHaveLength(1);
    expect(refusal(() => listWorkspaceApps(t.db, { workspace: engineering!, after }))).toEqual(REFUSED);
  });

  it('install requests: another status, or a workspace instead of the client', () => {
    const list = { clientId: DEMO_CLIENT_ID, workspaceId: null, status: 'pending' as const };
    const after = listInstallRequests(t.db, { ...list, first: 1 }).items[0]!.cursor;
    expect(listInstallRequests(t.db, { ...list, after }).items).toEqual([]);
    expect(refusal(() => listInstallRequests(t.db, { ...list, status: 'cancelled', after }))).toEqual(REFUSED);
    expect(refusal(() => listInstallRequests(t.db, { ...list, workspaceId: engineering!.id, after }))).toEqual(REFUSED);
  });

  it('app decisions: another resolution or client', () => {
    const list = { clientId: DEMO_CLIENT_ID, workspaceId: null, resolution: 'approved' as const };
    const after = listAppDecisions(t.db, { ...list, first: 1 }).items[0]!.cursor;
    expect(listAppDecisions(t.db, { ...list, first: 1, after }).items).toHaveLength(1);
    expect(refusal(() => listAppDecisions(t.db, { ...list, resolution: 'restricted', after }))).toEqual(REFUSED);
    expect(refusal(() => listAppDecisions(t.db, { ...list, clientId: DEMO_BUSINESS_ID, after }))).toEqual(REFUSED);
  });

  it('assignments and their history: another assignee', () => {
    const directory = { assignee: { type: 'directory' as const, id: DEMO_DIRECTORY_ID } };
    const business = { assignee: { type: 'business' as const, id: DEMO_BUSINESS_ID } };
    for (const list of [listAssignments, listAssignmentEvents]) {
      const after = list(t.db, actor, { filter: directory, first: 1 }).items[0]!.cursor;
      expect(list(t.db, actor, { filter: directory, first: 1, after }).items).toHaveLength(1);
      expect(refusal(() => list(t.db, actor, { filter: business, after }))).toEqual(REFUSED);
    }
  });
});
