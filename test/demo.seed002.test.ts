import { expect, it } from 'vitest';
import { DEMO_CLIENT_ID, DEMO_REQUEST_ID, DEMO_WORKSPACES, seedDemoIfEmpty } from '../src/services/demo';
import { listInstallRequests } from '../src/services/install-requests';
import { listWorkspaces } from '../src/services/workspaces';
import { testDatabase } from './helpers/db';

it('the demo has two workspaces and one pending install request with fixed ids', () => {
  const t = testDatabase();
  expect(seedDemoIfEmpty(t.db)).not.toBeNull();
  expect(listWorkspaces(t.db, { clientId: DEMO_CLIENT_ID }).items.map((w) => [w.id, w.name])).toEqual([
    [DEMO_WORKSPACES[1].id, 'Engineering'],
    [DEMO_WORKSPACES[0].id, 'Sales'],
  ]);
  expect(listInstallRequests(t.db, { clientId: DEMO_CLIENT_ID, workspaceId: null, status: 'pending' }).items.map((r) => [r.id, r.scopes, r.requester])).toEqual([
    [DEMO_REQUEST_ID, ['chat:write'], 'Dana'],
  ]);
});
