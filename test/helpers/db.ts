import type { Logger } from 'drizzle-orm/logger';
import { createToken } from '../../src/auth/tokens';
import type { Principal } from '../../src/auth/principal';
import { openDatabase, type Db } from '../../src/db/open';
import { createApp } from '../../src/services/apps';
import { createClient } from '../../src/services/clients';

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

/** A fresh in-memory database, migrated with the real migrations in drizzle/. */
export function testDatabase() {
  const sql = new CountingLogger();
  const opened = openDatabase(':memory:', { logger: sql });
  sql.reset();
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
