/**
 * The Drizzle tables. Plural table exports, camelCase properties, snake_case
 * columns. Times are integer milliseconds since the epoch.
 *
 * This file is read by drizzle-kit on its own, so it imports nothing from the
 * project.
 */
import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A customer organisation: the tenant. */
export const clients = sqliteTable('clients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  /** Set for a business: the directory it belongs to. Null for a direct customer. */
  directoryId: text('directory_id').references(() => directories.id),
});

/** A partner account: it owns businesses (clients with its id) and may own private apps. */
export const directories = sqliteTable('directories', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** The catalog: every app any client can decide on. */
export const apps = sqliteTable(
  'apps',
  {
    id: text('id').primaryKey(),
    codeName: text('code_name').notNull().unique(),
    name: text('name').notNull(),
    /** JSON array of the OAuth-style scopes the app asks for. */
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** The directory that owns a private app; null for a public app. */
    ownerDirectoryId: text('owner_directory_id').references(() => directories.id),
    /** True: the app is not listed in the App Market. */
    hiddenFromMarket: integer('hidden_from_market', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    // Client.apps pages by (lower(name), id): keyset pagination needs this order indexed.
    index('apps_sort_name_idx').on(sql`lower(${t.name})`, t.id),
  ],
);

/** The resolutions a client can reach for an app. `isApproved` is `resolution = 'approved'`. */
export const RESOLUTIONS = ['unresolved', 'approved', 'restricted'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * One client's view of one app. A missing row means "unresolved, never
 * decided, no attributes"; rows are created on the first real change.
 */
export const clientAppStates = sqliteTable(
  'client_app_states',
  {
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    resolution: text('resolution', { enum: RESOLUTIONS }).notNull(),
    /** When the current resolution was reached; null while never decided (attributes only). */
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    /** The actor (token id) that reached it. */
    decidedBy: text('decided_by'),
    /** Client-side attributes, edited through updateApp. */
    ownerEmail: text('owner_email'),
    category: text('category'),
    riskLevel: text('risk_level', { enum: RISK_LEVELS }),
    /** Bumped on every real change; lets single-app edits detect lost updates. */
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.appId] }),
    index('client_app_states_resolution_idx').on(t.clientId, t.resolution),
    index('client_app_states_updated_idx').on(t.clientId, t.updatedAt),
  ],
);

export const HISTORY_EVENT_TYPES = ['APPROVAL_STATUS_CHANGED', 'APP_UPDATED', 'NOTE_ADDED'] as const;
export type HistoryEventType = (typeof HISTORY_EVENT_TYPES)[number];

export const TOKEN_KINDS = ['internal', 'client', 'directory'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/**
 * App history: append-only (triggers refuse UPDATE and DELETE). `seq` orders
 * events; `id` is the public identifier. The actor is copied onto the event
 * so history still names it after the token is gone.
 */
export const appHistoryEvents = sqliteTable(
  'app_history_events',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    type: text('type', { enum: HISTORY_EVENT_TYPES }).notNull(),
    actorId: text('actor_id').notNull(),
    actorKind: text('actor_kind', { enum: TOKEN_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    /** Typed per event type: see services/history.ts. */
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    // Listings page newest first by (created_at, seq): a since/until bound is then a range of the
    // same index the page walks, so a filter that matches little or nothing is a seek, not a scan.
    index('app_history_events_app_idx').on(t.clientId, t.appId, t.createdAt, t.seq),
    // The client-wide audit view.
    index('app_history_events_client_idx').on(t.clientId, t.createdAt, t.seq),
    // A `types` filter seeks each type's run and merges them (one seek per type named).
    index('app_history_events_app_type_idx').on(t.clientId, t.appId, t.type, t.createdAt, t.seq),
    index('app_history_events_client_type_idx').on(t.clientId, t.type, t.createdAt, t.seq),
  ],
);

/** Bearer credentials. Only the SHA-256 of the secret is stored. */
export const tokens = sqliteTable('tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: TOKEN_KINDS }).notNull(),
  /** Set for `client` tokens only: the one client they may act on. */
  clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
  /** Set for `directory` tokens only: the one directory they act for. */
  directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** One row, rewritten by every GET /health: proves that a write still reaches the database file. */
export const healthChecks = sqliteTable('health_checks', {
  id: integer('id').primaryKey(),
  checkedAt: integer('checked_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Secrets the service keeps with its data, such as the key cursors are sealed with (so they survive restarts). */
export const serviceKeys = sqliteTable('service_keys', {
  name: text('name').primaryKey(),
  secret: blob('secret', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

/** How an assigned app is offered to its assignee (seed 003). BUILT_IN only comes from the deprecated v1 call. */
export const ASSIGNMENT_MODES = ['STANDARD', 'INTERNAL', 'PRE_INSTALLED', 'BUILT_IN'] as const;
export type AssignmentMode = (typeof ASSIGNMENT_MODES)[number];

/**
 * One app made available to one directory or one business (exactly one of
 * `directory_id`, `client_id`). At most one per (app, assignee). Lists page
 * by `seq`: SQLite ends every index with the rowid, so an index on
 * (assignee) or (assignee, mode) is already ordered by `seq` within it.
 */
export const appAssignments = sqliteTable(
  'app_assignments',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
    clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
    mode: text('mode', { enum: ASSIGNMENT_MODES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('app_assignments_app_directory_key').on(t.appId, t.directoryId),
    uniqueIndex('app_assignments_app_client_key').on(t.appId, t.clientId),
    index('app_assignments_directory_idx').on(t.directoryId),
    index('app_assignments_directory_mode_idx').on(t.directoryId, t.mode),
    index('app_assignments_client_idx').on(t.clientId),
    index('app_assignments_client_mode_idx').on(t.clientId, t.mode),
    index('app_assignments_app_idx').on(t.appId),
    index('app_assignments_app_mode_idx').on(t.appId, t.mode),
    index('app_assignments_mode_idx').on(t.mode),
    check('app_assignments_one_assignee', sql`(${t.directoryId} IS NULL) <> (${t.clientId} IS NULL)`),
  ],
);

export const ASSIGNMENT_EVENT_TYPES = ['ASSIGNED', 'MODE_CHANGED', 'UNASSIGNED'] as const;
export type AssignmentEventType = (typeof ASSIGNMENT_EVENT_TYPES)[number];

/**
 * Assignment history: every assign, mode change and removal, with the actor
 * and the mode before and after. Kept when the assignment itself is removed,
 * so `assignment_id` is not a foreign key.
 */
export const appAssignmentEvents = sqliteTable(
  'app_assignment_events',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    assignmentId: text('assignment_id').notNull(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    directoryId: text('directory_id').references(() => directories.id, { onDelete: 'cascade' }),
    clientId: text('client_id').references(() => clients.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ASSIGNMENT_EVENT_TYPES }).notNull(),
    /** Null for ASSIGNED. */
    fromMode: text('from_mode', { enum: ASSIGNMENT_MODES }),
    /** Null for UNASSIGNED. */
    toMode: text('to_mode', { enum: ASSIGNMENT_MODES }),
    actorId: text('actor_id').notNull(),
    actorKind: text('actor_kind', { enum: TOKEN_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('app_assignment_events_directory_idx').on(t.directoryId),
    index('app_assignment_events_directory_app_idx').on(t.directoryId, t.appId),
    index('app_assignment_events_client_idx').on(t.clientId),
    index('app_assignment_events_client_app_idx').on(t.clientId, t.appId),
    index('app_assignment_events_app_idx').on(t.appId),
  ],
);
