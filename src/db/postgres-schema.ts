/**
 * The Drizzle tables for Postgres: the same tables, columns and indexes as
 * src/db/schema.ts (SQLite), so one set of rules runs over the same rows on
 * either store. test/store-schemas.test.ts fails when the two drift.
 *
 * Where the engines differ, by design:
 * - times are bigint milliseconds since the epoch (as SQLite's integers), read as numbers;
 * - booleans are boolean, JSON is jsonb, the cursor secret bytea;
 * - SQLite's rowid keys (`seq`) are identity columns;
 * - case-insensitive orders use `lower(x COLLATE "C")`, which sorts exactly as SQLite's ASCII
 *   `lower(x)` (plain `lower()` folds accents and orders by the database's locale);
 * - the append-only rule on history is a PL/pgSQL trigger (in the migrations), not `RAISE(ABORT)`.
 *
 * Read by drizzle-kit on its own (drizzle.postgres.config.ts): it imports only the value lists of schema.ts.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
// The value lists are the SQLite schema's own (constants only: no table of it is re-exported here).
import {
  ACTOR_KINDS,
  ASSIGNMENT_EVENT_TYPES,
  ASSIGNMENT_MODES,
  HISTORY_EVENT_TYPES,
  INSTALL_REQUEST_STATUSES,
  RESOLUTIONS,
  RISK_LEVELS,
  TOKEN_KINDS,
  WEBHOOK_DELIVERY_STATUSES,
  WORKSPACE_RESOLUTIONS,
} from './schema';

/** pg-core 0.45 has no bytea column. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Milliseconds since the epoch, as a JavaScript number (exact up to the year 287,396). */
const ms = (name: string) => bigint(name, { mode: 'number' });

const lowerC = (column: unknown) => sql`lower(${column} COLLATE "C")`;

/** A customer organisation: the tenant. Its row is the lock every write transaction of the tenant takes first. */
export const clients = pgTable('clients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
  directoryId: text('directory_id').references(() => directories.id),
  /** The head of this client's history: the `client_seq` of its newest event (0: none yet). */
  historySeq: bigint('history_seq', { mode: 'number' }).notNull().default(0),
  /** The time of this client's newest event (ms; 0: none yet). */
  historyAt: ms('history_at').notNull().default(0),
  /** No approval of this client ends before this time (ms); null: none has an end (see schema.ts). */
  approvalsDueAt: ms('approvals_due_at'),
}, (t) => [index('clients_approvals_due_idx').on(t.approvalsDueAt).where(sql`approvals_due_at IS NOT NULL`)]);

export const directories = pgTable('directories', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const apps = pgTable(
  'apps',
  {
    id: text('id').primaryKey(),
    codeName: text('code_name').notNull().unique(),
    name: text('name').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: ms('created_at').notNull(),
    ownerDirectoryId: text('owner_directory_id').references(() => directories.id),
    hiddenFromMarket: boolean('hidden_from_market').notNull().default(false),
  },
  (t) => [
    index('apps_sort_name_idx').on(lowerC(t.name), t.id),
    index('apps_owner_name_idx').on(t.ownerDirectoryId, lowerC(t.name), t.id),
    index('apps_owner_id_idx').on(t.ownerDirectoryId, t.id),
  ],
);

/** Apps per visibility range ('' public, else the owning directory), kept by triggers (migrations). */
export const appRangeCounts = pgTable('app_range_counts', {
  ownerKey: text('owner_key').primaryKey(),
  n: integer('n').notNull(),
});

export const clientAppStates = pgTable(
  'client_app_states',
  {
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    resolution: text('resolution', { enum: RESOLUTIONS }).notNull(),
    decidedAt: ms('decided_at'),
    decidedBy: text('decided_by'),
    ownerEmail: text('owner_email'),
    category: text('category'),
    riskLevel: text('risk_level', { enum: RISK_LEVELS }),
    approvedScopes: jsonb('approved_scopes').$type<string[]>(),
    needsReapproval: boolean('needs_reapproval').notNull().default(false),
    /** When the org-level approval ends (ms); null: it does not. */
    approvalExpiresAt: ms('approval_expires_at'),
    version: integer('version').notNull().default(1),
    updatedAt: ms('updated_at').notNull(),
    /**
     * Postgres only: SQLite's rowid of the row, given when the client first decided or edited the app
     * and kept by every upsert, the order of Client.appDecisions (SQLite's (client, resolution) index
     * ends in its rowid; this one names it).
     */
    rowSeq: bigint('row_seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.appId] }),
    index('client_app_states_resolution_idx').on(t.clientId, t.resolution, t.rowSeq),
    index('client_app_states_updated_idx').on(t.clientId, t.updatedAt, t.appId),
    index('client_app_states_expiry_idx').on(t.clientId, t.approvalExpiresAt, t.appId).where(sql`approval_expires_at IS NOT NULL`),
  ],
);

/** App history: append-only (a trigger refuses UPDATE and DELETE). Per client, `client_seq` is commit order. */
export const appHistoryEvents = pgTable(
  'app_history_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull().unique(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    type: text('type', { enum: HISTORY_EVENT_TYPES }).notNull(),
    actorId: text('actor_id').notNull(),
    actorKind: text('actor_kind', { enum: ACTOR_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: ms('created_at').notNull(),
    clientSeq: bigint('client_seq', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    index('app_history_events_app_type_idx').on(t.clientId, t.appId, t.type, t.createdAt, t.clientSeq),
    index('app_history_events_client_type_idx').on(t.clientId, t.type, t.createdAt, t.clientSeq),
  ],
);

export const tokens = pgTable('tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
  clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
  directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  createdAt: ms('created_at').notNull(),
  expiresAt: ms('expires_at'),
  revokedAt: ms('revoked_at'),
});

export const workspaces = pgTable(
  'workspaces',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('workspaces_client_name_idx').on(t.clientId, lowerC(t.name), t.id)],
);

export const workspaceAppDecisions = pgTable(
  'workspace_app_decisions',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    resolution: text('resolution', { enum: WORKSPACE_RESOLUTIONS }).notNull(),
    approvedScopes: jsonb('approved_scopes').$type<string[]>(),
    decidedAt: ms('decided_at').notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedByName: text('decided_by_name').notNull(),
    /** When a workspace approval ends (ms); null: it does not. */
    approvalExpiresAt: ms('approval_expires_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.appId] }),
    index('workspace_app_decisions_expiry_idx').on(t.clientId, t.approvalExpiresAt).where(sql`approval_expires_at IS NOT NULL`),
    index('workspace_app_decisions_listing_idx').on(t.workspaceId, t.resolution, t.appId),
    index('workspace_app_decisions_client_app_idx').on(t.clientId, t.appId),
  ],
);

export const installRequests = pgTable(
  'install_requests',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    message: text('message'),
    requester: text('requester').notNull(),
    status: text('status', { enum: INSTALL_REQUEST_STATUSES }).notNull(),
    createdAt: ms('created_at').notNull(),
    resolvedAt: ms('resolved_at'),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    index('install_requests_client_idx').on(t.clientId, t.status, t.createdAt, t.id),
    index('install_requests_workspace_idx').on(t.workspaceId, t.status, t.createdAt, t.id),
    index('install_requests_app_idx').on(t.clientId, t.appId, t.status),
  ],
);

export const healthChecks = pgTable('health_checks', {
  id: integer('id').primaryKey(),
  checkedAt: ms('checked_at').notNull(),
});

/**
 * Postgres only: the per-token rate budgets every instance shares (src/store/postgres/rate-budget.ts), a
 * token bucket per key refilled by the database's clock. One SQLite process keeps its buckets in memory.
 */
export const rateBudgets = pgTable('rate_budgets', {
  key: text('key').primaryKey(),
  units: doublePrecision('units').notNull(),
  /** When `units` was last computed (ms, the database's clock). */
  at: ms('at').notNull(),
});

export const serviceKeys = pgTable('service_keys', {
  name: text('name').primaryKey(),
  secret: bytea('secret').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const appAssignments = pgTable(
  'app_assignments',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull().unique(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
    clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: ASSIGNMENT_MODES }).notNull(),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('app_assignments_app_directory_key').on(t.appId, t.directoryId),
    uniqueIndex('app_assignments_app_client_key').on(t.appId, t.clientId),
    // Postgres indexes do not end with the row key as SQLite's do: `seq` is named, so lists page on the index.
    index('app_assignments_directory_idx').on(t.directoryId, t.seq),
    index('app_assignments_directory_mode_idx').on(t.directoryId, t.mode, t.seq),
    index('app_assignments_client_idx').on(t.clientId, t.seq),
    index('app_assignments_client_mode_idx').on(t.clientId, t.mode, t.seq),
    index('app_assignments_app_idx').on(t.appId, t.seq),
    index('app_assignments_app_mode_idx').on(t.appId, t.mode, t.seq),
    index('app_assignments_mode_idx').on(t.mode, t.seq),
    check('app_assignments_one_assignee', sql`(${t.directoryId} IS NULL) <> (${t.clientId} IS NULL)`),
  ],
);

export const appAssignmentEvents = pgTable(
  'app_assignment_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull().unique(),
    assignmentId: text('assignment_id').notNull(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
    clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ASSIGNMENT_EVENT_TYPES }).notNull(),
    fromMode: text('from_mode', { enum: ASSIGNMENT_MODES }),
    toMode: text('to_mode', { enum: ASSIGNMENT_MODES }),
    actorId: text('actor_id').notNull(),
    actorKind: text('actor_kind', { enum: TOKEN_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    index('app_assignment_events_directory_idx').on(t.directoryId, t.seq),
    index('app_assignment_events_directory_app_idx').on(t.directoryId, t.appId, t.seq),
    index('app_assignment_events_client_idx').on(t.clientId, t.seq),
    index('app_assignment_events_client_app_idx').on(t.clientId, t.appId, t.seq),
    index('app_assignment_events_app_idx').on(t.appId, t.seq),
  ],
);

/** A client's webhook (see schema.ts). */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    types: jsonb('types').$type<string[]>(),
    secret: text('secret').notNull(),
    createdAt: ms('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    positionAt: ms('position_at').notNull(),
    positionSeq: bigint('position_seq', { mode: 'number' }).notNull(),
    dueAt: ms('due_at'),
    wakes: integer('wakes').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: ms('lease_until'),
  },
  (t) => [index('webhooks_client_idx').on(t.clientId, t.createdAt, t.id), index('webhooks_due_idx').on(t.dueAt).where(sql`due_at IS NOT NULL`)],
);

/** One event sent (or being sent) to one webhook (see schema.ts). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventAt: ms('event_at').notNull(),
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    redelivery: boolean('redelivery').notNull().default(false),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: ms('next_attempt_at'),
    lastError: text('last_error'),
    responseCode: integer('response_code'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt, t.id),
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.createdAt, t.id).where(sql`status = 'pending'`),
  ],
);
