import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { inThreadWriter, startWriter, workerWriter, type Writer } from '../src/db/writer';
import { fromWire, toWire } from '../src/db/writer-protocol';
import { AppgovError, BadUserInputError, NotFoundError, UnavailableError } from '../src/errors';
import { createLogger } from '../src/observability/logger';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga } from './helpers/yoga';
import { CountingLogger, issueToken, seedTenant, uuid } from './helpers/db';
import { gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A file database served through a writer thread, as `npm start` serves one, with its log and SQL lines kept. */
function served(config: { writeWaitMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-writer-'));
  const path = join(dir, 'appgov.db');
  const database = openDatabase(path, { dbBusyTimeoutMs: 10 });
  const a = seedTenant(database.db, { clientNumber: 1, appCount: 30 });
  const b = seedTenant(database.db, { clientNumber: 2 });
  const { id: tokenId, token } = issueToken(database.db, 'client', a.clientId, ['apps:read', 'apps:write'], 'writer');
  const writeOnly = issueToken(database.db, 'client', a.clientId, ['apps:write'], 'write only').token;
  const other = issueToken(database.db, 'client', b.clientId, ['apps:read', 'apps:write'], 'other tenant').token;
  const logLines: Record<string, any>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
  const sql = new CountingLogger();
  const writer = workerWriter({ path: database.file!.path, busyTimeoutMs: 10, logger, sqlLogger: sql });
  const yoga = createAppgovYoga({ db: database.db, config: { maxBulkIds: 50, ...config }, file: database.file, logger, writer });
  cleanup.push(async () => {
    await writer.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, database, writer, yoga, a, b, tokenId, token, writeOnly, other, logLines, sql };
}

const bulk = (field: string, clientId: string, ids: string[], extra = '') =>
  `mutation { ${field}(clientId: "${clientId}", appIds: ${JSON.stringify(ids)}${extra}) { succeeded changed failed { id error code } } }`;

describe('the writer thread', () => {
  it('answers bulk calls as the in-thread writer does, and the next read on the main connection sees the write', async () => {
    const s = served();
    const ids = [...s.a.appIds.slice(0, 3), uuid(999)];
    const res = await gql(s.yoga, bulk('approveApps', s.a.clientId, ids), {}, s.token);
    expect(res.body).toEqual({
      data: { approveApps: { succeeded: ids.slice(0, 3), changed: ids.slice(0, 3), failed: [{ id: uuid(999), error: 'App not found', code: 'APP_NOT_FOUND' }] } },
    });
    const read = await gql(s.yoga, `{ client(id: "${s.a.clientId}") { apps(first: 3) { nodes { id isApproved } } } }`, {}, s.token);
    expect(read.body.data.client.apps.nodes).toEqual(ids.slice(0, 3).map((id) => ({ id, isApproved: true })));
    expect(tableCounts(s.database.sqlite).events).toBe(3);
    const again = await gql(s.yoga, bulk('approveApps', s.a.clientId, ids.slice(0, 3)), {}, s.token);
    expect(again.body.data.approveApps.changed).toEqual([]);
    const removed = await gql(s.yoga, bulk('removeAppApprovals', s.a.clientId, ids.slice(0, 1)), {}, s.token);
    expect(removed.body.data.removeAppApprovals.changed).toEqual(ids.slice(0, 1));
    const restricted = await gql(s.yoga, bulk('restrictApps', s.a.clientId, ids.slice(1, 2)), {}, s.token);
    expect(restricted.body.data.restrictApps.changed).toEqual(ids.slice(1, 2));
    const after = await gql(s.yoga, `{ client(id: "${s.a.clientId}") { apps(first: 3) { nodes { isApproved resolution } } } }`, {}, s.token);
    expect(after.body.data.client.apps.nodes).toEqual([
      { isApproved: false, resolution: 'UNRESOLVED' },
      { isApproved: false, resolution: 'RESTRICTED' },
      { isApproved: true, resolution: 'APPROVED' },
    ]);
  });

  it('runs the workspace form, and a dry run writes nothing', async () => {
    const s = served();
    const workspaceId = createWorkspace(s.database.db, { clientId: s.a.clientId, name: 'Eng' }).id;
    const before = tableCounts(s.database.sqlite);
    const dry = await gql(s.yoga, `mutation { approveApps(workspaceId: "${workspaceId}", appIds: ${JSON.stringify(s.a.appIds.slice(0, 2))}, dryRun: true) { changed } }`, {}, s.token);
    expect(dry.body).toEqual({ data: { approveApps: { changed: s.a.appIds.slice(0, 2) } } });
    expect(tableCounts(s.database.sqlite)).toEqual(before);
    const real = await gql(s.yoga, `mutation { approveApps(workspaceId: "${workspaceId}", appIds: ${JSON.stringify(s.a.appIds.slice(0, 2))}) { changed } }`, {}, s.token);
    expect(real.body).toEqual({ data: { approveApps: { changed: s.a.appIds.slice(0, 2) } } });
    expect(tableCounts(s.database.sqlite).workspaceDecisions).toBe(before.workspaceDecisions + 2);
  });

  it('brings refusals back whole (code, message, extensions), having written nothing', async () => {
    const s = served();
    const before = tableCounts(s.database.sqlite);
    const malformed = await gql(s.yoga, bulk('approveApps', s.a.clientId, [s.a.appIds[0]!, 'not-a-uuid']), {}, s.token);
    expect(malformed.body.errors).toEqual([
      expect.objectContaining({
        message: 'appIds has an id that is not a UUID (8-4-4-4-12 hexadecimal): "not-a-uuid"',
        path: ['approveApps'],
        extensions: { code: 'BAD_USER_INPUT', field: 'appIds', invalidCount: 1 },
      }),
    ]);
    const tooMany = await gql(s.yoga, bulk('approveApps', s.a.clientId, Array.from({ length: 51 }, (_, i) => uuid(100 + i))), {}, s.token);
    expect(tooMany.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'appIds' });
    const longReason = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 1), `, reason: "${'x'.repeat(501)}"`), {}, s.token);
    expect(longReason.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    // Checked on the main thread before the writer is asked: still refused, still nothing written.
    const dryWithoutRead = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 1), ', dryRun: true'), {}, s.writeOnly);
    expect(dryWithoutRead.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherTenant = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 1)), {}, s.other);
    expect(otherTenant.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(tableCounts(s.database.sqlite)).toEqual(before);
  });

  it('keeps a domain error its class across the thread boundary', async () => {
    const s = served();
    const actor = { tokenId: 'x', kind: 'internal' as const, name: 'x', clientId: null, scopes: ['apps:write' as const] };
    const error = await s.writer.run('approveApps', { clientId: s.a.clientId, appIds: ['nope'], actor, maxIds: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'appIds', invalidCount: 1 } });
    const notFound = fromWire(toWire(new NotFoundError('App not found', { field: 'appId' })));
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', message: 'App not found', details: { field: 'appId' } });
    const unavailable = fromWire(toWire(new UnavailableError('busy', 2)));
    expect(unavailable).toBeInstanceOf(UnavailableError);
    expect((unavailable as AppgovError).details).toEqual({ retryAfter: 2, http: { status: 503, headers: { 'Retry-After': '2' } } });
  });

  it('runs a fixed number of statements whatever the number of ids, and logs them on the main thread', async () => {
    const s = served();
    const count = async (ids: string[]) => {
      s.sql.reset();
      await gql(s.yoga, bulk('approveApps', s.a.clientId, ids), {}, s.token);
      await gql(s.yoga, bulk('removeAppApprovals', s.a.clientId, ids), {}, s.token);
      // The main thread's own statements (token, tenancy) are not logged here: this logger is the writer's.
      return s.sql.statements.length;
    };
    // The thread's first statements (opening the database) are logged too: not part of a call.
    await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 1), ', dryRun: true'), {}, s.token);
    const few = await count(s.a.appIds.slice(0, 2));
    expect(few).toBeGreaterThan(0);
    expect(await count(s.a.appIds.slice(2, 30))).toBe(few);
    expect(s.sql.statements.some((statement) => statement.trim().startsWith('INSERT INTO client_app_states'))).toBe(true);
  });

  it('waits out an outside write lock, or refuses with UNAVAILABLE (503, Retry-After) and writes nothing', async () => {
    const s = served({ writeWaitMs: 200 });
    const holder = new Database(s.path);
    cleanup.unshift(() => holder.close());
    holder.exec('BEGIN IMMEDIATE');
    const before = tableCounts(s.database.sqlite);
    const refused = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 2)), {}, s.token);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'UNAVAILABLE', retryAfter: 1 }]);
    expect(tableCounts(s.database.sqlite)).toEqual(before);
    setTimeout(() => holder.exec('COMMIT'), 50);
    const waited = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 2)), {}, s.token);
    expect(waited.body.data.approveApps.changed).toEqual(s.a.appIds.slice(0, 2));
    expect(tableCounts(s.database.sqlite).events).toBe(before.events + 2);
  });

  it('masks an unexpected failure in the thread as INTERNAL_SERVER_ERROR and logs it whole', async () => {
    const s = served();
    const saboteur = new Database(s.path);
    cleanup.unshift(() => saboteur.close());
    saboteur.exec("CREATE TRIGGER boom BEFORE INSERT ON app_history_events BEGIN SELECT RAISE(ABORT, 'history is broken'); END");
    const before = tableCounts(s.database.sqlite);
    const res = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 2)), {}, s.token);
    expect(res.body.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(res.body)).not.toContain('history is broken');
    expect(tableCounts(s.database.sqlite)).toEqual(before);
    const logged = s.logLines.filter((line) => line.msg === 'unexpected error');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.err.message).toContain('Failed to run the query');
    expect(logged[0]!.err.message).toContain('history is broken');
    expect(logged[0]!.err.code).toBe('SQLITE_CONSTRAINT_TRIGGER');
    // The thread is still there for the next call.
    saboteur.exec('DROP TRIGGER boom');
    const next = await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 2)), {}, s.token);
    expect(next.body.data.approveApps.changed).toEqual(s.a.appIds.slice(0, 2));
  });

  it('keeps /health answering while a bulk call runs in the thread', async () => {
    const s = served();
    const running = gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds), {}, s.token);
    const health = await s.yoga.fetch('http://appgov.test/health');
    expect(health.status).toBe(200);
    expect((await running).body.data.approveApps.changed).toEqual(s.a.appIds);
  });

  it('finishes the calls under way when closed, and refuses calls after', async () => {
    const s = served();
    await gql(s.yoga, bulk('approveApps', s.a.clientId, s.a.appIds.slice(0, 1), ', dryRun: true'), {}, s.token);
    const actor = { tokenId: s.tokenId, kind: 'client' as const, name: 'writer', clientId: s.a.clientId, scopes: ['apps:write' as const] };
    const running = s.writer.run('approveApps', { clientId: s.a.clientId, appIds: s.a.appIds, actor, maxIds: 50 });
    const closing = s.writer.close();
    expect((await running).changed).toEqual(s.a.appIds);
    await closing;
    expect(tableCounts(s.database.sqlite).events).toBe(30);
    await expect(s.writer.run('approveApps', { clientId: s.a.clientId, appIds: s.a.appIds, actor, maxIds: 50 })).rejects.toThrow('The writer is closed.');
  });
});

describe('startWriter', () => {
  const writers: Writer[] = [];
  afterEach(async () => {
    for (const writer of writers.splice(0)) await writer.close();
  });
  const logger = createLogger({ level: 'silent' });

  it('uses the thread for a database file by default, and this thread for :memory: or APPGOV_WRITE_WORKER=0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-writer-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = openDatabase(join(dir, 'a.db'));
    const memory = openDatabase(':memory:');
    cleanup.push(() => file.close(), () => memory.close());
    const on = loadConfig({});
    const off = loadConfig({ APPGOV_WRITE_WORKER: '0' });
    expect(on.writeWorker).toBe(true);
    expect(off.writeWorker).toBe(false);
    const picked = [startWriter(file, on, logger), startWriter(memory, on, logger), startWriter(file, off, logger)];
    writers.push(...picked);
    expect(picked.map((w) => w.where)).toEqual(['worker', 'in-thread', 'in-thread']);
    expect(inThreadWriter(memory.db).where).toBe('in-thread');
  });
});
