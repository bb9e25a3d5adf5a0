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
  /**
   * The head of this client's app history: the `client_seq` of its newest event (0: none yet).
   * Every write transaction that appends history bumps it after taking the write lock, so events
   * are numbered in commit order (see services/history.ts).
   */
  historySeq: integer('history_seq').notNull().default(0),
  /** The time of this client's newest event (ms; 0: none yet). A new event's time is max(now, this). */
  historyAt: integer('history_at', { mode: 'timestamp_ms' }).notNull().default(sql`0`),
  /**
   * No approval of this client (org or workspace level) ends before this time (ms); null: none has an
   * end. Lowered by every write that sets an end, raised by the expiry (services/expiry.ts), which runs
   * when it has passed: the sweeper finds due clients by its index, and a history claim does not pass it.
   */
  approvalsDueAt: integer('approvals_due_at', { mode: 'timestamp_ms' }),
}, (t) => [index('clients_approvals_due_idx').on(t.approvalsDueAt).where(sql`approvals_due_at IS NOT NULL`)]);

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
    // Client.apps and Workspace.apps read the public range (owner NULL) and one directory's range, each in (lower(name), id) order.
    index('apps_owner_name_idx').on(t.ownerDirectoryId, sql`lower(${t.name})`, t.id),
    // Client.apps by UPDATED_AT reads the never-changed apps of each visible range in id order.
    index('apps_owner_id_idx').on(t.ownerDirectoryId, t.id),
  ],
);

/**
 * How many catalog apps each visibility range holds: '' for the public apps, else the owning
 * directory's id. Kept by triggers on `apps` (migrations), so Client.apps' totalCount reads two
 * rows instead of counting the catalog.
 */
export const appRangeCounts = sqliteTable('app_range_counts', {
  ownerKey: text('owner_key').primaryKey(),
  n: integer('n').notNull(),
});

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
    /** The scopes the org-level approval covers (JSON array); null while not approved. */
    approvedScopes: text('approved_scopes', { mode: 'json' }).$type<string[]>(),
    /** 1 when an org-level approval was lost because the app's scopes outgrew it (the re-approval rule). */
    needsReapproval: integer('needs_reapproval', { mode: 'boolean' }).notNull().default(false),
    /** When the org-level approval ends (ms); null: it does not (or the app is not approved). */
    approvalExpiresAt: integer('approval_expires_at', { mode: 'timestamp_ms' }),
    /** Bumped on every real change; lets single-app edits detect lost updates. */
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.appId] }),
    index('client_app_states_resolution_idx').on(t.clientId, t.resolution),
    // Client.apps by UPDATED_AT pages the changed apps in (updated_at, app_id) order.
    index('client_app_states_updated_idx').on(t.clientId, t.updatedAt, t.appId),
    // apps(expiringBefore:) and the expiry: this client's approvals that end, by their end.
    index('client_app_states_expiry_idx').on(t.clientId, t.approvalExpiresAt, t.appId).where(sql`approval_expires_at IS NOT NULL`),
  ],
);

export const HISTORY_EVENT_TYPES = [
  'APPROVAL_STATUS_CHANGED',
  'APP_UPDATED',
  'NOTE_ADDED',
  'WORKSPACE_RESOLUTION_CHANGED',
  'WORKSPACE_APPROVAL_VOIDED',
  'INSTALL_REQUEST_CREATED',
  'INSTALL_REQUEST_RESOLVED',
  'INSTALL_REQUEST_CANCELLED',
  'APPROVAL_LOST_SCOPE_CHANGE',
  'APPROVAL_EXPIRED',
] as const;
export type HistoryEventType = (typeof HISTORY_EVENT_TYPES)[number];

export const TOKEN_KINDS = ['internal', 'client', 'directory'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];
/** Who can write history: a token's kind, or `system` (appgov itself: an approval that ended). */
export const ACTOR_KINDS = [...TOKEN_KINDS, 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * App history: append-only (triggers refuse UPDATE and DELETE). `id` is the
 * public identifier; `seq` is the row's key. Per client, events are numbered
 * 1, 2, 3, ... in commit order (`client_seq`, from the head on `clients`), and
 * `created_at` never decreases along that numbering, so newest first by
 * (created_at, client_seq) is the order the writes committed in. The actor is
 * copied onto the event so history still names it after the token is gone.
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
    actorKind: text('actor_kind', { enum: ACTOR_KINDS }).notNull(),
    actorName: text('actor_name').notNull(),
    /** Typed per event type: see services/history.ts. */
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** When it was committed: max(the writer's clock, the client's previous event), so it never goes back. */
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** This event's number in its client's history: 1, 2, 3, ... in commit order, never reused. */
    clientSeq: integer('client_seq').notNull().default(0),
  },
  (t) => [
    // Listings page newest first by (created_at, client_seq), commit order within the client: a
    // since/until bound is then a range of the same index the page walks, so a filter that matches
    // little or nothing is a seek, not a scan. A `types` filter seeks each type's run and merges them
    // (one seek per type named). An unfiltered history, one app's or the client-wide audit view, is
    // the merge of every type's run: an untyped index beside each would be one more index entry per
    // event of every bulk call.
    index('app_history_events_app_type_idx').on(t.clientId, t.appId, t.type, t.createdAt, t.clientSeq),
    index('app_history_events_client_type_idx').on(t.clientId, t.type, t.createdAt, t.clientSeq),
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
  /** After this instant the token is refused (TOKEN_EXPIRED); null: never expires. */
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  /** When `appgov token revoke` revoked it (TOKEN_REVOKED); null while valid. */
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
});

/** A part of a client (Slack's team; the client is Slack's enterprise). */
export const workspaces = sqliteTable(
  'workspaces',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  // Client.workspaces pages by (lower(name), id) within one client.
  (t) => [index('workspaces_client_name_idx').on(t.clientId, sql`lower(${t.name})`, t.id)],
);

/** A workspace-level decision. No row: the workspace follows the org-level resolution. */
export const WORKSPACE_RESOLUTIONS = ['approved', 'restricted'] as const;
export type WorkspaceResolution = (typeof WORKSPACE_RESOLUTIONS)[number];

export const workspaceAppDecisions = sqliteTable(
  'workspace_app_decisions',
  {
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    /** Copied from the workspace so org-wide rules (voiding) find every workspace's row by index. */
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    resolution: text('resolution', { enum: WORKSPACE_RESOLUTIONS }).notNull(),
    /** The scopes an approval covers (JSON array); null for a restriction. */
    approvedScopes: text('approved_scopes', { mode: 'json' }).$type<string[]>(),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }).notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedByName: text('decided_by_name').notNull(),
    /** When a workspace approval ends (ms); null: it does not (or this is a restriction). */
    approvalExpiresAt: integer('approval_expires_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.appId] }),
    index('workspace_app_decisions_expiry_idx').on(t.clientId, t.approvalExpiresAt).where(sql`approval_expires_at IS NOT NULL`),
    // approved/restricted listings of one workspace page by app id.
    index('workspace_app_decisions_listing_idx').on(t.workspaceId, t.resolution, t.appId),
    index('workspace_app_decisions_client_app_idx').on(t.clientId, t.appId),
  ],
);

export const INSTALL_REQUEST_STATUSES = ['pending', 'approved', 'restricted', 'cancelled'] as const;
export type InstallRequestStatus = (typeof INSTALL_REQUEST_STATUSES)[number];

/** Someone in a workspace asks for an app. Pending until approved, restricted or cancelled; then final. */
export const installRequests = sqliteTable(
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
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    message: text('message'),
    /** Who asked: a person's name, or the token's name when none was given. */
    requester: text('requester').notNull(),
    status: text('status', { enum: INSTALL_REQUEST_STATUSES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    // Listings page newest first by (created_at, id) within one status of a client or workspace.
    index('install_requests_client_idx').on(t.clientId, t.status, t.createdAt, t.id),
    index('install_requests_workspace_idx').on(t.workspaceId, t.status, t.createdAt, t.id),
    index('install_requests_app_idx').on(t.clientId, t.appId, t.status),
  ],
);
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

/** How an assigned app is offered to its assignee. BUILT_IN only comes from the deprecated v1 call. */
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
    /** AUTOINCREMENT: a removed assignment's seq (even the newest's) is never given again, as Postgres's identity never is. */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
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

/** What became of one delivery of an event to a webhook. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * A client's webhook: a URL that is sent each new history event of the client (of `types`, or all).
 * The history is the outbox: the webhook's lane is the client's events after `position`, in commit
 * order, so an event committed is never lost to a crash (it stays after the position until the lane
 * passes it). One instance at a time runs a lane: the one holding the lease (lease_owner until
 * lease_until); a dead instance's lease runs out and another takes the lane over. `due_at` says when
 * the lane next has work: a trigger on clients (migration webhook_wake) sets it, with `wakes`, in
 * the transaction that writes the client's history, so the runners seek due lanes on an index
 * instead of comparing every webhook with its client's head.
 */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** JSON array of the history event types sent; null: every type. */
    types: text('types', { mode: 'json' }).$type<string[]>(),
    /** The HMAC key of the X-Appgov-Signature header, as given or generated at creation. */
    secret: text('secret').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** The token that created it. */
    createdBy: text('created_by').notNull(),
    /** The lane has passed every event up to (position_at, position_seq) of the client's history. */
    positionAt: integer('position_at').notNull(),
    positionSeq: integer('position_seq').notNull(),
    /** When the lane next has work (ms): now for new events or a redelivery, the next attempt's time for a failing head; null: caught up. */
    dueAt: integer('due_at'),
    /** Counts the writes that woke the lane: a runner clears due_at only if none came since it looked. */
    wakes: integer('wakes').notNull().default(0),
    /** The instance running the lane, until lease_until (ms). */
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
  },
  (t) => [
    index('webhooks_client_idx').on(t.clientId, t.createdAt, t.id),
    // The runners' claim: the due lanes, soonest first.
    index('webhooks_due_idx').on(t.dueAt).where(sql`due_at IS NOT NULL`),
  ],
);

/**
 * One event sent (or being sent) to one webhook: written when its first attempt did not succeed, when it
 * succeeded, or when redeliverWebhookEvent asked for it again. The lane's pending rows go first, oldest
 * first, before the events after its position; one whose next attempt is not due holds the lane. Finished
 * rows are deleted after APPGOV_WEBHOOK_RETENTION_DAYS.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventAt: integer('event_at').notNull(),
    eventSeq: integer('event_seq').notNull(),
    /** 1 for a delivery asked for by redeliverWebhookEvent (it does not move the lane). */
    redelivery: integer('redelivery', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    responseCode: integer('response_code'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    // Webhook.deliveries pages newest first by (created_at, id).
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt, t.id),
    // The lane's next delivery: its oldest pending row.
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.createdAt, t.id).where(sql`status = 'pending'`),
  ],
);
