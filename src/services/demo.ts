import { sql } from 'drizzle-orm';
import { SCOPES } from '../auth/principal';
import { createToken } from '../auth/tokens';
import type { Db } from '../db/open';
import { apps } from '../db/schema';
import { codeNameFrom, createApp } from './apps';
import { createClient, findClient, listClients } from './clients';
import { createDirectory } from './directories';
import { createInstallRequest } from './install-requests';
import { createWorkspace } from './workspaces';

/** Fixed ids, so the README's examples run as written against the demo data. */
export const DEMO_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
export const DEMO_APPS = [
  { id: 'f1a2b3c4-d5e6-7890-abcd-ef1234567890', name: 'Design Board', scopes: ['files:read', 'files:write'] },
  { id: '0b6a3c2e-8f1d-4e5a-9c7b-2d4f6a8b0c1e', name: 'Expense Tracker', scopes: ['users:read'] },
  { id: '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b', name: 'Team Wiki', scopes: ['channels:read', 'chat:write'] },
  { id: '7d1f3b5a-9c2e-4d8f-a0b6-c4e2f8a6d0b3', name: 'Video Meetings', scopes: ['calls:write', 'users:read'] },
  { id: 'a5c7e9b1-3d5f-4b7a-9e1c-d3f5b7a9c1e2', name: 'Code Review Bot', scopes: ['chat:write', 'channels:history'] },
  { id: 'c2e4a6b8-d0f2-4c6e-8a1b-e5f7c9d1b3a4', name: 'Survey Builder', scopes: ['chat:write'] },
] as const;

/** A partner directory with one business and one private (directory-owned, hidden) app: the assignment examples' data. */
export const DEMO_DIRECTORY_ID = 'd1e2c3b4-a5f6-4789-8abc-def012345678';
export const DEMO_BUSINESS_ID = 'b0b1b2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b';
export const DEMO_PRIVATE_APP = { id: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b', name: 'Workshop Planner', codeName: 'workshop-planner' } as const;

/** Two workspaces of the demo client and one pending install request. */
export const DEMO_WORKSPACES = [
  { id: '5e1a7c3d-2b4f-4e6a-8c0d-1f3b5d7e9a20', name: 'Sales' },
  { id: '6f2b8d4e-3c5a-4f7b-9d1e-2a4c6e8f0b31', name: 'Engineering' },
] as const;
export const DEMO_REQUEST_ID = '7a3c9e5f-4d6b-4a8c-8e2f-3b5d7f9a1c42';

function isEmpty(db: Db): boolean {
  const row = db.get<{ n: number }>(
    sql`SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM apps) + (SELECT count(*) FROM tokens) AS n`,
  );
  return row.n === 0;
}

/**
 * On an empty database only: one client with two workspaces, a small catalog
 * with scopes, a pending install request, a directory with a business and a
 * private app, and an internal token with the scopes apps:read, apps:write
 * and apps:request. Returns the token's secret (shown once), or null
 * when the database already had data.
 */
export function seedDemoIfEmpty(db: Db): { clientId: string; token: string } | null {
  if (!isEmpty(db)) return null;
  return db.transaction(
    (tx) => {
      createClient(tx, { id: DEMO_CLIENT_ID, name: 'Acme Corp (demo)' });
      const createdAt = new Date();
      // One multi-row insert: the database is empty, so no clash checks are needed.
      tx.insert(apps)
        .values(DEMO_APPS.map((app) => ({ id: app.id, name: app.name, codeName: codeNameFrom(app.name), scopes: [...app.scopes], createdAt })))
        .run();
      createDirectory(tx, { id: DEMO_DIRECTORY_ID, name: 'Northwind Partners (demo)' });
      createClient(tx, { id: DEMO_BUSINESS_ID, name: 'Bluebird Bakery (demo)', directoryId: DEMO_DIRECTORY_ID });
      createApp(tx, { ...DEMO_PRIVATE_APP, ownerDirectoryId: DEMO_DIRECTORY_ID, hiddenFromMarket: true });
      // apps:request too, so the README's requestAppInstall example runs with the one demo token.
      const { id: tokenId, token } = createToken(tx, { kind: 'internal', name: 'demo admin', scopes: [...SCOPES] });
      for (const workspace of DEMO_WORKSPACES) createWorkspace(tx, { clientId: DEMO_CLIENT_ID, ...workspace });
      createInstallRequest(tx, {
        id: DEMO_REQUEST_ID,
        clientId: DEMO_CLIENT_ID,
        workspaceId: DEMO_WORKSPACES[1].id,
        appId: DEMO_APPS[4].id,
        scopes: ['chat:write'],
        message: 'Reviews in our team channel, please',
        requester: 'Dana',
        actor: { tokenId, kind: 'internal', name: 'demo admin', clientId: null, scopes: [] },
      });
      return { clientId: DEMO_CLIENT_ID, token };
    },
    { behavior: 'immediate' },
  );
}

/** The client GraphiQL's example names: the demo client while it exists, else the first client; null when none. */
export function exampleClientId(db: Db): string | null {
  if (findClient(db, DEMO_CLIENT_ID)) return DEMO_CLIENT_ID;
  return listClients(db, { limit: 1 })[0]?.id ?? null;
}
