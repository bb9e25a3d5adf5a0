/**
 * The API tests on Postgres (APPGOV_TEST_STORE=postgres, the `postgres` project of vitest.config.ts).
 *
 * The tests arrange their data with the synchronous SQLite services (seedTenant, createToken, …) on
 * an in-memory database and check tables with plain SQLite SQL. On the Postgres run the server under
 * test is served by the Postgres store on a database of its own; the SQLite database stays the
 * test's fixture, kept equal to it row for row:
 *
 * - before every store call, when the test changed the SQLite database since the last sync
 *   (`total_changes()`), the rows that differ are written to Postgres (and the ones it lacks deleted);
 * - after every store call that writes (STORE_WRITES, the writer), the rows the call changed on
 *   Postgres (a row trigger of this database only logs their keys) are written back to SQLite as
 *   Postgres holds them, so a test that reads a table after a call reads what Postgres holds.
 *
 * Every read and write of the calls is Postgres's: the fixture only carries data in and out. Tables
 * maintained by each store itself (app_range_counts: triggers; health_checks; rate_budgets) are not
 * carried. A table the schema adds and the list below lacks fails the mirror, not silently.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'drizzle-orm/logger';
import pg from 'pg';
import type { Backend } from '../../src/backend';
import type { Db } from '../../src/db/open';
import { openPostgres, type OpenedPostgres } from '../../src/db/postgres';
import type { RateLimitConfig } from '../../src/rate-limit';
import { callsPerRequestFor, postgresBackend } from '../../src/store/postgres/backend';
import { postgresStore } from '../../src/store/postgres/index';
import { loadCursorSecret } from '../../src/store/postgres/keys';
import type { Store } from '../../src/store/store';
import type { Writer } from '../../src/db/writer';
import { freshPostgresDatabase } from './postgres';

/** The mirror's pool, as a server's default APPGOV_DB_POOL_SIZE. */
const POOL_SIZE = 10;

/** Carried tables, parents first (inserts in this order, deletes in the reverse), with their keys. */
const TABLES: readonly { name: string; key: readonly string[]; order?: string; appendOnly?: boolean }[] = [
  { name: 'service_keys', key: ['name'] },
  { name: 'directories', key: ['id'] },
  { name: 'clients', key: ['id'] },
  { name: 'apps', key: ['id'] },
  { name: 'tokens', key: ['id'] },
  { name: 'workspaces', key: ['id'] },
  // Postgres orders the org decision listing by row_seq, SQLite by rowid: carried in that order.
  { name: 'client_app_states', key: ['client_id', 'app_id'], order: 'row_seq' },
  { name: 'workspace_app_decisions', key: ['workspace_id', 'app_id'] },
  { name: 'install_requests', key: ['id'] },
  // Append-only on both stores (triggers refuse updates and deletes): only rows past the other side's last are new.
  { name: 'app_history_events', key: ['seq'], appendOnly: true },
  { name: 'app_assignments', key: ['seq'] },
  { name: 'app_assignment_events', key: ['seq'], appendOnly: true },
  { name: 'webhooks', key: ['id'] },
  { name: 'webhook_deliveries', key: ['id'] },
];
/**
 * The Store methods that write (the others only read: after them there is nothing to carry back).
 * The bulk writes go through the backend's writer, which writes too.
 */
const STORE_WRITES = new Set<string>(['updateApp', 'addAppHistoryNote', 'createInstallRequest', 'cancelInstallRequest', 'decideApp', 'assignApp', 'unassignApp', 'createWebhook', 'deleteWebhook', 'redeliverWebhookEvent']);

/** Kept by each store itself, never carried. */
const OWN_TABLES = new Set(['app_range_counts', 'health_checks', 'rate_budgets', '__drizzle_migrations']);

type Row = Record<string, unknown>;
interface Column {
  name: string;
  type: string;
}
interface TableInfo {
  name: string;
  key: readonly string[];
  order: string | undefined;
  appendOnly: boolean;
  columns: Column[];
  identity: string[];
}

/** One value as both stores mean it: a string that is equal exactly when the values are. */
function canonical(type: string, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (type === 'boolean') return value === true || value === 1 ? 'true' : 'false';
  if (type === 'jsonb' || type === 'json') return sortedJson(typeof value === 'string' ? JSON.parse(value) : value);
  if (type === 'bytea') return `x${Buffer.from(value as Uint8Array).toString('hex')}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `n${Number(value)}`;
  if (type === 'bigint' || type === 'integer' || type === 'double precision') return `n${Number(value)}`;
  return JSON.stringify(value);
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as Row)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Row)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A Postgres row's value as SQLite stores it. */
function toSqlite(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value ? 1 : 0;
  if (type === 'jsonb' || type === 'json') return JSON.stringify(value);
  if (type === 'bytea') return Buffer.from(value as Uint8Array);
  if (type === 'bigint' || type === 'integer') return Number(value);
  return value;
}

/** A SQLite row's value as jsonb_populate_recordset reads it. */
function toPostgresJson(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === true;
  if (type === 'jsonb' || type === 'json') return typeof value === 'string' ? JSON.parse(value) : value;
  if (type === 'bytea') return `\\x${Buffer.from(value as Uint8Array).toString('hex')}`;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export interface Mirror {
  /** A backend on the mirror's database (each server its own, as each instance has: its rate limits its own). */
  backendFor(rateLimits?: Pick<RateLimitConfig, 'rateLimitPerSecond' | 'rateLimitBurst'>): Backend;
  /** The mirror's Postgres database (opened if it was not yet): tests of the mirror read it. */
  url(): Promise<string>;
  close(): Promise<void>;
}

/** Serialises the syncs (and the store calls' bracketing) of one mirror. */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

class PostgresMirror {
  private opened!: OpenedPostgres;
  url = '';
  private tables: TableInfo[] = [];
  private sqliteChanges = -1;
  private lock = new Lock();
  private pushing: Promise<void> | undefined;
  private pendingLook: Promise<void> | undefined;
  private readonly sqlite: Database.Database;

  constructor(
    db: Db,
    private readonly logger?: Logger,
  ) {
    this.sqlite = (db as unknown as { $client: Database.Database }).$client;
  }

  async open(): Promise<void> {
    const url = await freshPostgresDatabase();
    this.url = url;
    // Connections come and go (idle ones close at once, below): on a loaded machine a connect may take
    // longer than the server's 2 s bound, which is no finding of the test.
    this.opened = await openPostgres(url, { poolSize: POOL_SIZE, connectTimeoutMs: 15_000, log: () => {}, ...(this.logger ? { logger: this.logger } : {}) });
    // Idle connections go away by themselves: a test file opens many mirrors and closes none.
    (this.opened.pool.options as pg.PoolConfig).idleTimeoutMillis = 200;
    await this.describeTables();
    await this.installChangeLog();
    await this.push();
    // The fixture's cursor secret is the database's now: cursors sealed on either open on both.
    await loadCursorSecret(this.opened.db);
  }

  get pgOpened(): OpenedPostgres {
    return this.opened;
  }

  private async describeTables(): Promise<void> {
    const { rows } = await this.opened.pool.query<{ table_name: string; column_name: string; data_type: string; is_identity: string; is_generated: string }>(
      `SELECT table_name, column_name, data_type, is_identity, is_generated FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    const pgTables = new Set(rows.map((r) => r.table_name));
    const unknown = [...pgTables].filter((t) => !OWN_TABLES.has(t) && !TABLES.some((c) => c.name === t));
    if (unknown.length) throw new Error(`test/helpers/mirror.ts does not carry the table(s) ${unknown.join(', ')}: add them to TABLES (or OWN_TABLES)`);
    for (const table of TABLES) {
      const sqliteColumns = new Set((this.sqlite.prepare(`PRAGMA table_info(${table.name})`).all() as { name: string }[]).map((c) => c.name));
      const pgColumns = rows.filter((r) => r.table_name === table.name && r.is_generated !== 'ALWAYS');
      this.tables.push({
        name: table.name,
        key: table.key,
        order: table.order,
        appendOnly: table.appendOnly ?? false,
        // Columns of both stores (Postgres-only ones, row_seq, keep their own values).
        columns: pgColumns.filter((c) => sqliteColumns.has(c.column_name)).map((c) => ({ name: c.column_name, type: c.data_type })),
        identity: pgColumns.filter((c) => c.is_identity === 'YES' && sqliteColumns.has(c.column_name)).map((c) => c.column_name),
      });
    }
  }

  /**
   * A row trigger on every carried table logs the key of each row a call inserts, updates or
   * deletes (this database only). A look consumes the log (DELETE … RETURNING): a transaction that
   * commits after a look is found by the next one, whatever order the writers commit in.
   */
  private async installChangeLog(): Promise<void> {
    const statements = [
      `CREATE TABLE appgov_mirror_changes (tbl text NOT NULL, key jsonb NOT NULL)`,
      `CREATE FUNCTION appgov_mirror_change() RETURNS trigger LANGUAGE plpgsql AS $$
         DECLARE c text; k jsonb;
         BEGIN
           IF TG_OP IN ('UPDATE', 'DELETE') THEN
             k := '{}'; FOREACH c IN ARRAY TG_ARGV LOOP k := k || jsonb_build_object(c, to_jsonb(OLD) -> c); END LOOP;
             INSERT INTO appgov_mirror_changes VALUES (TG_TABLE_NAME, k);
           END IF;
           IF TG_OP IN ('INSERT', 'UPDATE') THEN
             k := '{}'; FOREACH c IN ARRAY TG_ARGV LOOP k := k || jsonb_build_object(c, to_jsonb(NEW) -> c); END LOOP;
             INSERT INTO appgov_mirror_changes VALUES (TG_TABLE_NAME, k);
           END IF;
           RETURN NULL;
         END $$`,
      ...this.tables.map(
        (t) => `CREATE TRIGGER appgov_mirror_change AFTER INSERT OR UPDATE OR DELETE ON ${t.name} FOR EACH ROW EXECUTE FUNCTION appgov_mirror_change(${t.key.map((k) => `'${k}'`).join(', ')})`,
      ),
    ];
    for (const statement of statements) await this.opened.pool.query(statement);
  }

  /** The keys of the rows Postgres changed since the last look, per table. */
  private async consumeChanges(): Promise<Map<string, Row[]>> {
    const { rows } = await this.opened.pool.query<{ tbl: string; key: Row }>('DELETE FROM appgov_mirror_changes RETURNING tbl, key');
    const changed = new Map<string, Map<string, Row>>();
    for (const { tbl, key } of rows) {
      const keys = changed.get(tbl) ?? new Map<string, Row>();
      keys.set(JSON.stringify(key), key);
      changed.set(tbl, keys);
    }
    return new Map([...changed].map(([tbl, keys]) => [tbl, [...keys.values()]]));
  }

  private keyOf(table: TableInfo, row: Row): string {
    return table.key.map((k) => canonical(table.columns.find((c) => c.name === k)!.type, row[k])).join('|');
  }

  private rowText(table: TableInfo, row: Row): string {
    return table.columns.map((c) => canonical(c.type, row[c.name])).join('|');
  }

  /** The table's rows on SQLite (an append-only table's past `after` only). */
  private sqliteRows(table: TableInfo, after = 0): Row[] {
    const where = table.appendOnly ? ` WHERE seq > ${after}` : '';
    return this.sqlite.prepare(`SELECT ${table.columns.map((c) => `"${c.name}"`).join(', ')} FROM ${table.name}${where} ORDER BY rowid`).all() as Row[];
  }

  private async postgresRows(table: TableInfo, after = 0): Promise<Row[]> {
    const order = table.order ?? table.key.join(', ');
    const where = table.appendOnly ? ` WHERE seq > ${after}` : '';
    return (await this.opened.pool.query(`SELECT ${table.columns.map((c) => `"${c.name}"`).join(', ')} FROM ${table.name}${where} ORDER BY ${order}`)).rows;
  }

  private async postgresLast(table: TableInfo): Promise<number> {
    return table.appendOnly ? Number((await this.opened.pool.query(`SELECT coalesce(max(seq), 0) AS n FROM ${table.name}`)).rows[0].n) : 0;
  }

  /** What `from` holds that `to` lacks or holds differently (`upserts`), and the keys only `to` has (`deletes`). */
  private diff(table: TableInfo, from: Row[], to: Row[]): { upserts: Row[]; deletes: Row[] } {
    const target = new Map(to.map((r) => [this.keyOf(table, r), this.rowText(table, r)]));
    const source = new Set<string>();
    const upserts: Row[] = [];
    for (const row of from) {
      const key = this.keyOf(table, row);
      source.add(key);
      if (target.get(key) !== this.rowText(table, row)) upserts.push(row);
    }
    const deletes = to.filter((r) => !source.has(this.keyOf(table, r)));
    return { upserts, deletes };
  }

  /** The test's SQLite rows into Postgres: one transaction. */
  private async push(): Promise<void> {
    // What this push carries: the fixture as it stands now. A change the test makes while the push
    // awaits Postgres is left for the next one (counted as not carried).
    const seen = this.totalChanges();
    const plans: { table: TableInfo; upserts: Row[]; deletes: Row[] }[] = [];
    for (const table of this.tables) {
      const last = await this.postgresLast(table);
      plans.push({ table, ...this.diff(table, this.sqliteRows(table, last), await this.postgresRows(table, last)) });
    }
    const client = await this.opened.pool.connect();
    try {
      await client.query('BEGIN');
      // A fixture of 100,000 apps is carried in one statement: not bounded by the store's request timeout.
      await client.query('SET LOCAL statement_timeout = 0');
      // No trigger fires for the carried rows (the rows are as the fixture holds them: foreign keys
      // hold there, and a per-row count trigger over 60,000 apps takes half a minute); the counts
      // the triggers keep are recounted below, as the migration that made them counts them.
      await client.query('SET LOCAL session_replication_role = replica');
      for (const { table, deletes } of [...plans].reverse()) {
        if (!deletes.length) continue;
        const keys = JSON.stringify(deletes.map((r) => Object.fromEntries(table.key.map((k) => [k, toPostgresJson(table.columns.find((c) => c.name === k)!.type, r[k])]))));
        await client.query(
          `DELETE FROM ${table.name} t USING jsonb_populate_recordset(null::${table.name}, $1::jsonb) d WHERE ${table.key.map((k) => `t.${k} = d.${k}`).join(' AND ')}`,
          [keys],
        );
      }
      for (const { table, upserts } of plans) {
        if (!upserts.length) continue;
        const json = JSON.stringify(upserts.map((r) => Object.fromEntries(table.columns.map((c) => [c.name, toPostgresJson(c.type, r[c.name])]))));
        const columns = table.columns.map((c) => `"${c.name}"`).join(', ');
        const updates = table.columns.filter((c) => !table.key.includes(c.name) && !table.identity.includes(c.name));
        await client.query(
          `INSERT INTO ${table.name} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM jsonb_populate_recordset(null::${table.name}, $1::jsonb)
           ON CONFLICT (${table.key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.map((c) => `"${c.name}" = EXCLUDED."${c.name}"`).join(', ')}` : 'NOTHING'}`,
          [json],
        );
        for (const column of table.identity) {
          await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', '${column}'), max(${column})) FROM ${table.name} HAVING max(${column}) IS NOT NULL`);
        }
      }
      if (plans.some((p) => p.table.name === 'apps' && (p.upserts.length || p.deletes.length))) {
        await client.query('DELETE FROM app_range_counts');
        await client.query(`INSERT INTO app_range_counts (owner_key, n) SELECT coalesce(owner_directory_id, ''), count(*) FROM apps GROUP BY 1`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
    this.sqliteChanges = seen;
  }

  /**
   * The rows Postgres changed, as it holds them now, into the fixture (a key it no longer has is
   * deleted): one SQLite transaction, foreign keys off meanwhile (parents may come after).
   */
  private async pull(changed: Map<string, Row[]>): Promise<void> {
    const plans: { table: TableInfo; upserts: Row[]; deletes: Row[] }[] = [];
    for (const table of this.tables) {
      const keys = changed.get(table.name);
      if (!keys?.length) continue;
      const current = (
        await this.opened.pool.query(
          `SELECT ${table.columns.map((c) => `t."${c.name}"`).join(', ')} FROM ${table.name} t
             JOIN jsonb_populate_recordset(null::${table.name}, $1::jsonb) k USING (${table.key.join(', ')})
            ORDER BY ${(table.order ?? table.key.join(', ')).split(', ').map((c) => `t.${c}`).join(', ')}`,
          [JSON.stringify(keys)],
        )
      ).rows as Row[];
      const found = new Set(current.map((r) => this.keyOf(table, r)));
      plans.push({ table, upserts: current, deletes: keys.filter((k) => !found.has(this.keyOf(table, k))) });
    }
    if (!plans.length) return;
    // Fixture changes the test made while this look awaited Postgres are not carried yet: they stay counted as such.
    const unpushed = this.totalChanges() !== this.sqliteChanges;
    const foreignKeys = this.sqlite.pragma('foreign_keys', { simple: true });
    this.sqlite.pragma('foreign_keys = OFF');
    try {
      this.sqlite.transaction(() => {
        for (const { table, deletes } of [...plans].reverse()) {
          const remove = this.sqlite.prepare(`DELETE FROM ${table.name} WHERE ${table.key.map((k) => `"${k}" = ?`).join(' AND ')}`);
          for (const row of deletes) remove.run(...table.key.map((k) => toSqlite(table.columns.find((c) => c.name === k)!.type, row[k]) as never));
        }
        for (const { table, upserts } of plans) {
          if (!upserts.length) continue;
          const updates = table.columns.filter((c) => !table.key.includes(c.name));
          const insert = this.sqlite.prepare(
            `INSERT INTO ${table.name} (${table.columns.map((c) => `"${c.name}"`).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})
             ON CONFLICT (${table.key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.map((c) => `"${c.name}" = excluded."${c.name}"`).join(', ')}` : 'NOTHING'}`,
          );
          for (const row of upserts) insert.run(...table.columns.map((c) => toSqlite(c.type, row[c.name]) as never));
        }
      })();
    } finally {
      this.sqlite.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
    this.sqliteChanges = unpushed ? -1 : this.totalChanges();
  }

  private totalChanges(): number {
    return (this.sqlite.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  /** Before a call: the fixture's changes into Postgres (nothing to wait for when the test changed nothing). */
  before(): Promise<void> {
    if (!this.pushing && this.totalChanges() === this.sqliteChanges) return Promise.resolve();
    // A push under way may have read the fixture before the test's latest change: queue one more
    // (it finds nothing to do when there is none).
    const push = this.lock.run(async () => {
      if (this.totalChanges() !== this.sqliteChanges) await this.push();
    });
    this.pushing = push;
    void push.finally(() => {
      if (this.pushing === push) this.pushing = undefined;
    }).catch(() => {});
    return push;
  }

  /**
   * After a call: Postgres's changes into the fixture. A look that is queued and not yet started
   * serves every call that ends meanwhile (it starts after they committed), so concurrent calls do
   * not queue one look each.
   */
  after(): Promise<void> {
    return (this.pendingLook ??= this.lock.run(async () => {
      this.pendingLook = undefined;
      const changed = await this.consumeChanges();
      if (changed.size) await this.pull(changed);
    }));
  }

  async close(): Promise<void> {
    // Nothing a call wrote may stay behind: a write in a method STORE_WRITES lacks is found here.
    const unseen = await this.lock.run(() => this.consumeChanges());
    if (unseen.size) {
      await this.opened.close();
      throw new Error(`test/helpers/mirror.ts: a store call it took for a read wrote ${[...unseen.keys()].join(', ')}: add the method to STORE_WRITES`);
    }
    await this.opened.close();
  }
}

/**
 * A Postgres backend serving a copy of `db` kept in sync both ways (see above). The database is
 * made on the first call (a server built and never called opens none). `rateLimits` as the server
 * passes them (the shared budget); `logger` sees Postgres's statements as Drizzle runs them (the
 * tests that count statements count Postgres's).
 */
export function postgresMirror(db: Db, options: { logger?: Logger } = {}): Mirror {
  let opening: Promise<PostgresMirror> | undefined;
  const open = () =>
    (opening ??= (async () => {
      const mirror = new PostgresMirror(db, options.logger);
      await mirror.open();
      return mirror;
    })());
  return {
    backendFor: (rateLimits) => mirroredBackend(open, rateLimits),
    url: async () => (await open()).url,
    close: async () => {
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
}

function mirroredBackend(open: () => Promise<PostgresMirror>, rateLimits?: Pick<RateLimitConfig, 'rateLimitPerSecond' | 'rateLimitBurst'>): Backend {
  let built: Promise<{ mirror: PostgresMirror; backend: Backend }> | undefined;
  const ready = () =>
    (built ??= open().then((mirror) => ({ mirror, backend: postgresBackend(mirror.pgOpened, rateLimits ? { rateLimits } : {}) })));
  /**
   * `call` on the Postgres backend, the fixture's changes carried in first and, for a call that
   * writes, Postgres's carried back after; the call's own failure passes through unchanged.
   */
  const bracketed =
    <A extends unknown[], R>(call: (backend: Backend, ...args: A) => Promise<R>, writes = true) =>
    async (...args: A): Promise<R> => {
      const { mirror, backend } = await ready();
      await mirror.before();
      try {
        return await call(backend, ...args);
      } finally {
        if (writes) await mirror.after();
      }
    };
    // Every method of the Postgres store (its method list: binding makes no call), bracketed.
  const store = { kind: 'postgres' } as Record<string, unknown>;
  for (const [name, value] of Object.entries(postgresStore(undefined as never))) {
    if (typeof value !== 'function') continue;
    store[name] = bracketed(
      (backend, ...args: unknown[]) => (backend.store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args),
      STORE_WRITES.has(name),
    );
  }
  return {
    kind: 'postgres',
    store: store as unknown as Store,
    callsPerRequest: callsPerRequestFor(POOL_SIZE),
    webhookQueue: Object.fromEntries(
      (['claimLanes', 'laneHead', 'recordAttempt', 'advance', 'block', 'rest', 'release', 'prune'] as const).map((name) => [
        name,
        bracketed((b, ...args: unknown[]) => (b.webhookQueue[name] as (...a: unknown[]) => Promise<unknown>)(...args), name !== 'laneHead'),
      ]),
    ) as unknown as Backend['webhookQueue'],
    writer: { where: 'in-thread', run: bracketed((b, op, input) => b.writer.run(op, input as never)) as Writer['run'], close: async () => {} },
    expireApprovals: bracketed((b, now?: Date) => b.expireApprovals(now)),
    // /health's write goes to health_checks, which is not carried.
    health: bracketed((b) => b.health(), false),
    exampleClientId: bracketed((b) => b.exampleClientId(), false),
    // Postgres's own LISTEN: what it announces is read by the streams through the (bracketed) store.
    listenHistory: async (wake, onError) => (await ready()).backend.listenHistory!(wake, onError),
    ...(rateLimits
      ? {
          sharedBudget: {
            take: async (key, cost) => (await ready()).backend.sharedBudget!.take(key, cost),
            charge: async (key, units) => (await ready()).backend.sharedBudget!.charge(key, units),
          },
        }
      : {}),
  };
}
