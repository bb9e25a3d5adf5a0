/**
 * The floor: the same bulk work as approveApps / removeAppApprovals, written
 * directly against better-sqlite3 with statements prepared once, in one
 * immediate transaction — no GraphQL, no Drizzle, no validation, no auth.
 * Same tables, same schema, same pragmas (its file is opened and migrated by
 * the service's own openDatabase), the same event ids as the service's (newEventId).
 *
 * Two shapes, both measured; the faster one at each size is the floor:
 * - set-based: one lookup, the client's history head bumped, one upsert, one insert, each over a json_each list;
 * - per-row: one lookup per id, the head bumped per event, one upsert and one insert per changed app.
 * The head (clients.history_seq / history_at) keeps history in commit order, as the service does.
 */
import type Database from 'better-sqlite3';
import { newEventId } from '../src/services/ids';

export interface FloorResult {
  succeeded: string[];
  failed: { id: string; error: string; code: 'APP_NOT_FOUND' }[];
  changed: string[];
}

export type FloorCall = (ids: readonly string[], approve: boolean) => FloorResult;

interface Actor {
  tokenId: string;
  kind: 'internal' | 'client';
  name: string;
}

const DATA_APPROVE = '{"from":"unresolved","to":"approved"}';
const DATA_REMOVE = '{"from":"approved","to":"unresolved"}';
const UPSERT_TAIL = `ON CONFLICT (client_id, app_id) DO UPDATE SET
  resolution = excluded.resolution, decided_at = excluded.decided_at, decided_by = excluded.decided_by,
  version = client_app_states.version + 1, updated_at = excluded.updated_at`;

function newResult(): FloorResult {
  return { succeeded: [], failed: [], changed: [] };
}

export function setBasedFloor(sqlite: Database.Database, clientId: string, actor: Actor): FloorCall {
  const lookup = sqlite.prepare<[string, string], { id: string; found: number; resolution: string | null }>(`
    SELECT j.value AS id, a.id IS NOT NULL AS found, s.resolution
    FROM json_each(?) AS j
    LEFT JOIN apps AS a ON a.id = j.value
    LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
    ORDER BY j.key`);
  const upsert = sqlite.prepare(`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    SELECT @clientId, j.value, @target, @at, @actorId, 1, @at FROM json_each(@ids) AS j WHERE true
    ${UPSERT_TAIL}`);
  const claim = sqlite.prepare<[number, number, string], { seq: number; at: number }>(`
    UPDATE clients SET history_seq = history_seq + ?, history_at = max(history_at, ?) WHERE id = ?
    RETURNING history_seq AS seq, history_at AS at`);
  const insertEvents = sqlite.prepare(`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    SELECT j.value ->> 0, @clientId, j.value ->> 1, 'APPROVAL_STATUS_CHANGED', @actorId, @actorKind, @actorName, @data, @at, @first + j.key
    FROM json_each(@events) AS j`);
  const run = sqlite.transaction((ids: readonly string[], approve: boolean): FloorResult => {
    const result = newResult();
    const events: [string, string][] = [];
    for (const row of lookup.all(JSON.stringify(ids), clientId)) {
      if (!row.found) {
        result.failed.push({ id: row.id, error: 'App not found', code: 'APP_NOT_FOUND' });
        continue;
      }
      result.succeeded.push(row.id);
      if ((row.resolution === 'approved') !== approve) {
        result.changed.push(row.id);
        events.push([newEventId(), row.id]);
      }
    }
    if (events.length === 0) return result;
    const head = claim.get(events.length, Date.now(), clientId)!;
    const at = head.at;
    const common = { clientId, at, actorId: actor.tokenId };
    upsert.run({ ...common, target: approve ? 'approved' : 'unresolved', ids: JSON.stringify(result.changed) });
    insertEvents.run({
      ...common,
      actorKind: actor.kind,
      actorName: actor.name,
      data: approve ? DATA_APPROVE : DATA_REMOVE,
      events: JSON.stringify(events),
      first: head.seq - events.length + 1,
    });
    return result;
  });
  return (ids, approve) => run.immediate(ids, approve);
}

export function perRowFloor(sqlite: Database.Database, clientId: string, actor: Actor): FloorCall {
  const lookup = sqlite.prepare<[string, string], { id: string; resolution: string | null }>(`
    SELECT a.id, s.resolution FROM apps AS a
    LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
    WHERE a.id = ?`);
  const upsert = sqlite.prepare(`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, ?) ${UPSERT_TAIL}`);
  const claim = sqlite.prepare<[number, string], { seq: number; at: number }>(`
    UPDATE clients SET history_seq = history_seq + 1, history_at = max(history_at, ?) WHERE id = ?
    RETURNING history_seq AS seq, history_at AS at`);
  const insertEvent = sqlite.prepare(`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    VALUES (?, ?, ?, 'APPROVAL_STATUS_CHANGED', ?, ?, ?, ?, ?, ?)`);
  const run = sqlite.transaction((ids: readonly string[], approve: boolean): FloorResult => {
    const result = newResult();
    const target = approve ? 'approved' : 'unresolved';
    const data = approve ? DATA_APPROVE : DATA_REMOVE;
    const now = Date.now();
    for (const id of ids) {
      const row = lookup.get(clientId, id);
      if (!row) {
        result.failed.push({ id, error: 'App not found', code: 'APP_NOT_FOUND' });
        continue;
      }
      result.succeeded.push(id);
      if ((row.resolution === 'approved') === approve) continue;
      result.changed.push(id);
      const head = claim.get(now, clientId)!;
      upsert.run(clientId, id, target, head.at, actor.tokenId, head.at);
      insertEvent.run(newEventId(), clientId, id, actor.tokenId, actor.kind, actor.name, data, head.at, head.seq);
    }
    return result;
  });
  return (ids, approve) => run.immediate(ids, approve);
}
