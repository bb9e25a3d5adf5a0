import type { Logger } from 'drizzle-orm/logger';
import { createToken } from '../../src/auth/tokens';
import type { Principal } from '../../src/auth/principal';
import { openDatabase, type Db } from '../../src/db/open';
import { createApp } from '../../src/services/apps';
import { createClient } from '../../src/services/clients';
import { createDirectory } from '../../src/services/directories';

/** Records every statement Drizzle executes, so tests can count them. */
export class CountingLogger implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query);
  }
  reset(): void {
    this.statements = [];
  }
}

const countingLoggers = new WeakMap<Db, CountingLogger>();

/** The statement counter of a testDatabase(): on the Postgres run (test/helpers/yoga.ts) it counts Postgres's statements. */
export function countingLoggerOf(db: Db): CountingLogger | undefined {
  return countingLoggers.get(db);
}

/** A fresh in-memory database, migrated with the real migrations in drizzle/. */
export function testDatabase() {
  const sql = new CountingLogger();
  const opened = openDatabase(':memory:', { logger: sql });
  sql.reset();
  countingLoggers.set(opened.db, sql);
  return { ...opened, sql };
}

export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A client, `appCount` catalog apps with predictable ids and names, and tokens of each kind. */
export function seedTenant(db: Db, options: { clientNumber?: number; appCount?: number; firstApp?: number } = {}) {
  const clientNumber = options.clientNumber ?? 1;
  const client = createClient(db, { id: `c0000000-0000-4000-8000-${String(clientNumber).padStart(12, '0')}`, name: `Client ${clientNumber}` });
  const appIds: string[] = [];
  const first = options.firstApp ?? 1;
  for (let i = first; i < first + (options.appCount ?? 0); i++) {
    appIds.push(createApp(db, { id: uuid(i), name: `App ${String(i).padStart(5, '0')}` }).id);
  }
  return { clientId: client.id, appIds };
}

export function issueToken(db: Db, kind: 'internal' | 'client', clientId?: string, scopes?: string[], name?: string) {
  const issued = createToken(db, { kind, clientId: clientId ?? null, ...(scopes ? { scopes } : {}), ...(name ? { name } : {}) });
  return issued;
}

export function principalFor(db: Db, kind: 'internal' | 'client' = 'internal', clientId?: string): Principal {
  const { id } = issueToken(db, kind, clientId, undefined, `${kind} test token`);
  return {
    tokenId: id,
    kind,
    name: `${kind} test token`,
    clientId: kind === 'client' ? clientId! : null,
    scopes: ['apps:read', 'apps:write'],
  };
}

/**
 * Seed 003's cast: two directories, each with one business and one private
 * app, a direct customer, a public app, and a token of every kind.
 */
export function seedDirectories(db: Db) {
  const ids = {
    mine: 'd0000000-0000-4000-8000-000000000001',
    theirs: 'd0000000-0000-4000-8000-000000000002',
    myBusiness: 'b0000000-0000-4000-8000-000000000001',
    theirBusiness: 'b0000000-0000-4000-8000-000000000002',
    directCustomer: 'b0000000-0000-4000-8000-000000000003',
  };
  createDirectory(db, { id: ids.mine, name: 'My directory' });
  createDirectory(db, { id: ids.theirs, name: 'Their directory' });
  createClient(db, { id: ids.myBusiness, name: 'My business', directoryId: ids.mine });
  createClient(db, { id: ids.theirBusiness, name: 'Their business', directoryId: ids.theirs });
  createClient(db, { id: ids.directCustomer, name: 'Direct customer' });
  createApp(db, { name: 'My private app', codeName: 'my-app', ownerDirectoryId: ids.mine, hiddenFromMarket: true });
  createApp(db, { name: 'Their private app', codeName: 'their-app', ownerDirectoryId: ids.theirs, hiddenFromMarket: true });
  createApp(db, { name: 'Public app', codeName: 'public-app' });
  const tokens = {
    internal: createToken(db, { kind: 'internal', name: 'ops' }).token,
    directory: createToken(db, { kind: 'directory', directoryId: ids.mine, name: 'my directory bot' }).token,
    theirDirectory: createToken(db, { kind: 'directory', directoryId: ids.theirs, name: 'their directory bot' }).token,
    client: createToken(db, { kind: 'client', clientId: ids.myBusiness, name: 'my business bot' }).token,
    directoryReadOnly: createToken(db, { kind: 'directory', directoryId: ids.mine, scopes: ['apps:read'] }).token,
  };
  return { ids, tokens };
}
