import { sql } from 'drizzle-orm';
import { createToken } from '../auth/tokens';
import type { Db } from '../db/open';
import { apps } from '../db/schema';
import { codeNameFrom } from './apps';
import { createClient, findClient, listClients } from './clients';

/** Fixed ids, so the README's examples run as written against the demo data. */
export const DEMO_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
export const DEMO_APPS = [
  { id: 'f1a2b3c4-d5e6-7890-abcd-ef1234567890', name: 'Design Board' },
  { id: '0b6a3c2e-8f1d-4e5a-9c7b-2d4f6a8b0c1e', name: 'Expense Tracker' },
  { id: '3c9e7a5b-1d2f-4a6c-8e0b-5f7a9c1e3d2b', name: 'Team Wiki' },
  { id: '7d1f3b5a-9c2e-4d8f-a0b6-c4e2f8a6d0b3', name: 'Video Meetings' },
  { id: 'a5c7e9b1-3d5f-4b7a-9e1c-d3f5b7a9c1e2', name: 'Code Review Bot' },
  { id: 'c2e4a6b8-d0f2-4c6e-8a1b-e5f7c9d1b3a4', name: 'Survey Builder' },
] as const;

function isEmpty(db: Db): boolean {
  const row = db.get<{ n: number }>(
    sql`SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM apps) + (SELECT count(*) FROM tokens) AS n`,
  );
  return row.n === 0;
}

/**
 * On an empty database only: one client, a small catalog and an internal
 * token with both scopes. Returns the token's secret (shown once), or null
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
        .values(DEMO_APPS.map((app) => ({ id: app.id, name: app.name, codeName: codeNameFrom(app.name), createdAt })))
        .run();
      const { token } = createToken(tx, { kind: 'internal', name: 'demo admin' });
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
