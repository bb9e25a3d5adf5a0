/**
 * The minimal floor: the same bulk work (look up the ids, upsert the changed
 * states, append one history event per change, one immediate transaction) on
 * the least schema that still serves every read appgov offers, so the cost of
 * appgov's own schema is visible beside today's floor.
 *
 * Its own SQLite file, the service's pragmas (connectionPragmas, with the same APPGOV_DB_SYNC), and only:
 * - apps: text primary key, plus the (lower(name), id) index the apps page seeks;
 * - per-client state: primary key (client_id, app_id), the lookup and the
 *   client's own rows in one index;
 * - history: integer primary key (the public id is derived from it), plus the
 *   two listing indexes (per app, per client; newest first by time).
 * No foreign keys, no unique event id, no type or resolution indexes.
 * Statements are prepared once; the ids are the same as the service's.
 */
import Database from 'better-sqlite3';
import { connectionPragmas, type DbSync } from '../src/db/open';
import type { FloorCall, FloorResult } from './floor';

const SCHEMA = `
  CREATE TABLE apps (id TEXT PRIMARY KEY NOT NULL, code_name TEXT NOT NULL, name TEXT NOT NULL,
                     scopes TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX apps_sort_name_idx ON apps (lower(name), id);
  CREATE TABLE client_app_states (client_id TEXT NOT NULL, app_id TEXT NOT NULL, resolution TEXT NOT NULL,
                                  decided_at INTEGER, decided_by TEXT, version INTEGER NOT NULL DEFAULT 1,
                                  updated_at INTEGER NOT NULL, PRIMARY KEY (client_id, app_id));
  CREATE TABLE app_history_events (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL, app_id TEXT NOT NULL,
                                   type TEXT NOT NULL, actor_id TEXT NOT NULL, actor_kind TEXT NOT NULL,
                                   actor_name TEXT NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX app_history_events_app_idx ON app_history_events (client_id, app_id, created_at, seq);
  CREATE INDEX app_history_events_client_idx ON app_history_events (client_id, created_at, seq);`;

const DATA_APPROVE = '{"from":"unresolved","to":"approved","reason":null}';
const DATA_REMOVE = '{"from":"approved","to":"unresolved","reason":null}';
const UPSERT_TAIL = `ON CONFLICT (client_id, app_id) DO UPDATE SET
  resolution = excluded.resolution, decided_at = excluded.decided_at, decided_by = excluded.decided_by,
  version = client_app_states.version + 1, updated_at = excluded.updated_at`;

export interface MinimalFloor {
  sqlite: Database.Database;
  setBased: FloorCall;
  perRow: FloorCall;
  close(): void;
}

const newResult = (): FloorResult => ({ succeeded: [], failed: [], changed: [] });

/**
 * Creates the file with the same catalog ids as bench/datasets.ts (apps 1..`apps`) and `events` history
 * events spread over 4 clients' apps as datasets.ts spreads them, checkpointed and closed (the floor
 * server, bench/floor-server.ts, opens it with openMinimalFloor).
 */
export function buildMinimalFloor(path: string, shape: { apps: number; events: number }, actorId: string, dbSync: DbSync = 'full'): void {
  const sqlite = new Database(path);
  for (const pragma of connectionPragmas(dbSync)) sqlite.pragma(pragma);
  sqlite.exec(SCHEMA);
  sqlite
    .prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO apps (id, code_name, name, scopes, created_at)
      SELECT printf('a0000000-0000-4000-8000-%012x', i), printf('app-%07d', i), printf('App %07d', (i * 7919) % 1000003),
             '["users:read","files:write"]', i FROM n`)
    .run(shape.apps);
  sqlite
    .prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @count - 1)
      INSERT INTO app_history_events (seq, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
      SELECT i + 1, printf('c0000000-0000-4000-8000-%012x', 1 + (i % (@apps * 4)) / @apps), printf('a0000000-0000-4000-8000-%012x', 1 + (i % @apps)),
             'APPROVAL_STATUS_CHANGED', @actorId, 'internal', 'bench token', '{"from":"unresolved","to":"approved","reason":null}', @start + i * 1000
      FROM n`)
    .run({ count: shape.events, apps: shape.apps, actorId, start: Date.now() - (shape.events + 1) * 1000 });
  // Each pair's state ends where its history ends, as in datasets.ts (an odd count of changes: approved).
  sqlite
    .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
      SELECT client_id, app_id, CASE WHEN count(*) % 2 = 1 THEN 'approved' ELSE 'unresolved' END,
             max(created_at), ?, count(*), max(created_at)
      FROM app_history_events GROUP BY client_id, app_id`)
    .run(actorId);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
}

/** Opens a file buildMinimalFloor made, with both floor shapes' statements prepared once. */
export function openMinimalFloor(path: string, clientId: string, actorId: string, dbSync: DbSync = 'full'): MinimalFloor {
  const sqlite = new Database(path, { fileMustExist: true });
  for (const pragma of connectionPragmas(dbSync)) sqlite.pragma(pragma);

  const lookup = sqlite.prepare<[string, string], { id: string; found: number; resolution: string | null }>(`
    SELECT j.value AS id, a.id IS NOT NULL AS found, s.resolution
    FROM json_each(?) AS j
    LEFT JOIN apps AS a ON a.id = j.value
    LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
    ORDER BY j.key`);
  const upsertSet = sqlite.prepare(`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    SELECT @clientId, j.value, @target, @at, @actorId, 1, @at FROM json_each(@ids) AS j WHERE true
    ${UPSERT_TAIL}`);
  const insertSet = sqlite.prepare(`
    INSERT INTO app_history_events (client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    SELECT @clientId, j.value, 'APPROVAL_STATUS_CHANGED', @actorId, 'internal', 'bench token', @data, @at
    FROM json_each(@ids) AS j`);
  const setBased = sqlite.transaction((ids: readonly string[], approve: boolean): FloorResult => {
    const result = newResult();
    for (const row of lookup.all(JSON.stringify(ids), clientId)) {
      if (!row.found) {
        result.failed.push({ id: row.id, error: 'App not found', code: 'APP_NOT_FOUND' });
        continue;
      }
      result.succeeded.push(row.id);
      if ((row.resolution === 'approved') !== approve) result.changed.push(row.id);
    }
    if (result.changed.length === 0) return result;
    const at = Date.now();
    const changed = JSON.stringify(result.changed);
    upsertSet.run({ clientId, at, actorId, target: approve ? 'approved' : 'unresolved', ids: changed });
    insertSet.run({ clientId, at, actorId, data: approve ? DATA_APPROVE : DATA_REMOVE, ids: changed });
    return result;
  });

  const lookupOne = sqlite.prepare<[string, string], { id: string; resolution: string | null }>(`
    SELECT a.id, s.resolution FROM apps AS a
    LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
    WHERE a.id = ?`);
  const upsertOne = sqlite.prepare(`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, ?) ${UPSERT_TAIL}`);
  const insertOne = sqlite.prepare(`
    INSERT INTO app_history_events (client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    VALUES (?, ?, 'APPROVAL_STATUS_CHANGED', ?, 'internal', 'bench token', ?, ?)`);
  const perRow = sqlite.transaction((ids: readonly string[], approve: boolean): FloorResult => {
    const result = newResult();
    const target = approve ? 'approved' : 'unresolved';
    const data = approve ? DATA_APPROVE : DATA_REMOVE;
    const at = Date.now();
    for (const id of ids) {
      const row = lookupOne.get(clientId, id);
      if (!row) {
        result.failed.push({ id, error: 'App not found', code: 'APP_NOT_FOUND' });
        continue;
      }
      result.succeeded.push(id);
      if ((row.resolution === 'approved') === approve) continue;
      result.changed.push(id);
      upsertOne.run(clientId, id, target, at, actorId, at);
      insertOne.run(clientId, id, actorId, data, at);
    }
    return result;
  });

  return {
    sqlite,
    setBased: (ids, approve) => setBased.immediate(ids, approve),
    perRow: (ids, approve) => perRow.immediate(ids, approve),
    close: () => sqlite.close(),
  };
}
