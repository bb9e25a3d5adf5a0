/**
 * Benchmark data, built FAST inside SQLite (recursive CTEs, INSERT … SELECT,
 * one transaction each) rather than through the API, but with the shape the
 * service writes: UUID-shaped ids (event ids random, as randomUUID's are, so
 * their index is as scattered as a real one), valid JSON event data, actor columns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'drizzle-orm/logger';
import { createToken } from '../src/auth/tokens';
import { openDatabase, type DbSync, type OpenedDatabase } from '../src/db/open';

export const appId = (n: number) => `a0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const clientId = (n: number) => `c0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
/** Well-formed ids that are never in the catalog: the "unknown" 10% of a bulk call. */
export const unknownAppId = (n: number) => `f0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** N ids: every 10th well-formed but unknown, the rest known apps from `firstApp` on (disjoint per size). */
export function idsFor(n: number, firstApp: number): { ids: string[]; known: number } {
  const ids: string[] = [];
  let known = 0;
  for (let k = 0; k < n; k++) {
    if (k % 10 === 9) ids.push(unknownAppId(firstApp + k));
    else ids.push(appId(firstApp + known++));
  }
  return { ids, known };
}

/** A temp dir under os.tmpdir() for every database file of a run, removed at the end. */
export function benchDir(): { path: string; file(name: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'appgov-bench-'));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Counts every statement Drizzle executes, and those that touch app history. */
export class CountingLogger implements Logger {
  statements = 0;
  historyStatements = 0;
  logQuery(query: string): void {
    this.statements++;
    if (query.includes('app_history_events')) this.historyStatements++;
  }
  reset(): void {
    this.statements = 0;
    this.historyStatements = 0;
  }
}

/** Opens a file database the way the service does (WAL, migrations), counting its SQL. */
export function openCounted(path: string, dbSync?: DbSync): OpenedDatabase & { sql: CountingLogger } {
  const sql = new CountingLogger();
  const opened = openDatabase(path, { logger: sql, ...(dbSync ? { dbSync } : {}) });
  sql.reset();
  return { ...opened, sql };
}

export interface DatasetShape {
  clients: number;
  apps: number;
  events: number;
  /** Every `hotEvery`-th event goes to app 1 of client 1 (a long history); 0: none. */
  hotEvery: number;
}

export interface Dataset {
  path: string;
  shape: DatasetShape;
  /** The client every measured request names. */
  clientId: string;
  /** The app with the long history when hotEvery > 0. */
  hotAppId: string;
  /** A bearer secret of an internal token with apps:read and apps:write. */
  token: string;
}

const WITH_NUMBERS = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)';

function seedCatalog(sqlite: Database.Database, shape: DatasetShape, start: number): void {
  sqlite
    .prepare(`${WITH_NUMBERS}
      INSERT INTO clients (id, name, created_at)
      SELECT printf('c0000000-0000-4000-8000-%012x', i), printf('Client %d', i), @start FROM n`)
    .run({ count: shape.clients, start });
  // Names are not in id order, so the name-ordered apps page is not an id scan in disguise.
  sqlite
    .prepare(`${WITH_NUMBERS}
      INSERT INTO apps (id, code_name, name, scopes, created_at)
      SELECT printf('a0000000-0000-4000-8000-%012x', i), printf('app-%07d', i),
             printf('%s %07d', CASE i % 4 WHEN 0 THEN 'Acme' WHEN 1 THEN 'beta' WHEN 2 THEN 'Corvid' ELSE 'delta' END,
                    (i * 7919) % 1000003),
             '["users:read","files:write"]', @start + i
      FROM n`)
    .run({ count: shape.apps, start });
}

/**
 * `events` APPROVAL_STATUS_CHANGED events, in time order (seq = row number):
 * every hotEvery-th on the hot pair, the rest round-robin over every other
 * (client, app) pair. Each pair's events alternate unresolved → approved →
 * unresolved …, and client_app_states ends where its history ends.
 */
function seedHistory(sqlite: Database.Database, shape: DatasetShape, actor: { id: string; name: string }, start: number) {
  const hot = shape.hotEvery > 0;
  const firstSpreadApp = hot ? 2 : 1;
  const spreadApps = shape.apps - firstSpreadApp + 1;
  sqlite
    .prepare(`${WITH_NUMBERS},
      placed AS (
        SELECT i, @hotEvery > 0 AND i % @hotEvery = 0 AS hot,
               (i - 1) - CASE WHEN @hotEvery > 0 THEN (i - 1) / @hotEvery ELSE 0 END AS j
        FROM n),
      assigned AS (
        SELECT i,
               CASE WHEN hot THEN 1 ELSE 1 + (j % @pairs) / @spreadApps END AS client_n,
               CASE WHEN hot THEN 1 ELSE @firstSpreadApp + (j % @pairs) % @spreadApps END AS app_n,
               CASE WHEN hot THEN i / @hotEvery ELSE j / @pairs + 1 END AS ordinal
        FROM placed)
      INSERT INTO app_history_events (seq, id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
      SELECT i, (SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (i % 4), 1)
                        || substr(h, 18, 3) || '-' || substr(h, 21, 12) FROM (SELECT lower(hex(randomblob(16))) AS h)),
             printf('c0000000-0000-4000-8000-%012x', client_n), printf('a0000000-0000-4000-8000-%012x', app_n),
             'APPROVAL_STATUS_CHANGED', @actorId, 'internal', @actorName,
             CASE WHEN ordinal % 2 = 1 THEN '{"from":"unresolved","to":"approved"}'
                  ELSE '{"from":"approved","to":"unresolved"}' END,
             @start + i * 1000
      FROM assigned`)
    .run({
      count: shape.events,
      hotEvery: shape.hotEvery,
      pairs: spreadApps * shape.clients,
      spreadApps,
      firstSpreadApp,
      actorId: actor.id,
      actorName: actor.name,
      start,
    });
  // Each client's events numbered in their (time) order, and its history head after the last, as writes leave them.
  sqlite.exec(`
    DROP TRIGGER app_history_events_no_update;
    UPDATE app_history_events SET client_seq = n.rn
    FROM (SELECT seq, row_number() OVER (PARTITION BY client_id ORDER BY created_at, seq) AS rn FROM app_history_events) AS n
    WHERE n.seq = app_history_events.seq;
    CREATE TRIGGER app_history_events_no_update BEFORE UPDATE ON app_history_events
    BEGIN SELECT RAISE(ABORT, 'app history is append-only: events are never updated'); END;
    UPDATE clients SET history_seq = h.n, history_at = h.at
    FROM (SELECT client_id, max(client_seq) AS n, max(created_at) AS at FROM app_history_events GROUP BY client_id) AS h
    WHERE h.client_id = clients.id;`);
  sqlite
    .prepare(`
      INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
      SELECT client_id, app_id, CASE WHEN count(*) % 2 = 1 THEN 'approved' ELSE 'unresolved' END,
             max(created_at), @actorId, count(*), max(created_at)
      FROM app_history_events GROUP BY client_id, app_id`)
    .run({ actorId: actor.id });
}

/** Creates, migrates and fills a database file, then closes it (checkpointed) for a fresh open. */
export function buildDataset(path: string, shape: DatasetShape): Dataset {
  const { db, sqlite, close } = openDatabase(path);
  // Building only: a big page cache keeps index inserts off the disk. Measuring opens anew, with defaults.
  sqlite.pragma('cache_size = -524288');
  const start = Date.now() - (shape.events + 1) * 1000;
  sqlite.transaction(() => seedCatalog(sqlite, shape, start))();
  const issued = createToken(db, { kind: 'internal', name: 'bench token' });
  if (shape.events > 0) {
    sqlite.transaction(() => seedHistory(sqlite, shape, { id: issued.id, name: 'bench token' }, start))();
  }
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  close();
  return { path, shape, clientId: clientId(1), hotAppId: appId(1), token: issued.token };
}
