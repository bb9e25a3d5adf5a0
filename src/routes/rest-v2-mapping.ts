/** The /v2 routes' shapes: GraphQL selections, their snake_case REST forms, and JSON schemas for OpenAPI. */
import { ACTOR_KINDS as KINDS, HISTORY_EVENT_TYPES, type HistoryEventType } from '../db/schema';
import type { JsonSchema } from './table';

export const APP_FIELDS = /* GraphQL */ `
  fragment RestApp on App {
    id name codeName isApproved approvedAt approvalExpiresAt resolution ownerEmail category riskLevel version updatedAt
  }`;

/**
 * The workspace, install-request and lost-approval event types, each as `metadata` keys: the GraphQL field it reads (aliased per type,
 * since the same field name has another nullability on another type), whether it is an enum
 * (sent lowercase), and its JSON schema. The fragment, the mapping and the OpenAPI schema all
 * come from this table.
 */
type MetaKey = { field: string; schema: JsonSchema; lower?: boolean; /** Left out of `metadata` when null (and not required). */ optional?: boolean };
const nullableId = { type: ['string', 'null'] };
const stringList = { type: 'array', items: { type: 'string' } };
const nullableStringList = { type: ['array', 'null'], items: { type: 'string' } };
const reasonKey: MetaKey = { field: 'reason', schema: { type: ['string', 'null'], description: 'The `reason` given; null when none.' } };
const RESOLUTIONS = ['unresolved', 'approved', 'restricted'] as const;
const DECISION_EVENTS: Partial<Record<HistoryEventType, { typeName: string; keys: Record<string, MetaKey> }>> = {
  WORKSPACE_RESOLUTION_CHANGED: {
    typeName: 'WorkspaceResolutionChangedEvent',
    keys: {
      workspace_id: { field: 'workspaceId', schema: { type: 'string' } },
      from_resolution: { field: 'fromResolution', lower: true, schema: { type: 'string', enum: [...RESOLUTIONS] } },
      to_resolution: { field: 'toResolution', lower: true, schema: { type: 'string', enum: [...RESOLUTIONS] } },
      approved_scopes: { field: 'approvedScopes', schema: nullableStringList },
      install_request_id: { field: 'installRequestId', schema: nullableId },
      reason: reasonKey,
      expires_at: { field: 'expiresAt', optional: true, schema: { type: 'string', format: 'date-time', description: "The approval's end; present only when it has one." } },
    },
  },
  WORKSPACE_APPROVAL_VOIDED: {
    typeName: 'WorkspaceApprovalVoidedEvent',
    keys: { workspace_id: { field: 'workspaceId', schema: { type: 'string' } }, reason: reasonKey },
  },
  INSTALL_REQUEST_CREATED: {
    typeName: 'InstallRequestCreatedEvent',
    keys: {
      install_request_id: { field: 'installRequestId', schema: { type: 'string' } },
      workspace_id: { field: 'workspaceId', schema: { type: 'string' } },
      scopes: { field: 'scopes', schema: stringList },
      message: { field: 'message', schema: { type: ['string', 'null'] } },
      requester: { field: 'requester', schema: { type: 'string' } },
    },
  },
  INSTALL_REQUEST_RESOLVED: {
    typeName: 'InstallRequestResolvedEvent',
    keys: {
      install_request_id: { field: 'installRequestId', schema: { type: 'string' } },
      workspace_id: { field: 'workspaceId', schema: { type: 'string' } },
      outcome: { field: 'outcome', lower: true, schema: { type: 'string', enum: ['approved', 'restricted'] } },
      decided_in_workspace_id: { field: 'decidedInWorkspaceId', schema: { ...nullableId, description: 'null for an org-level decision.' } },
      reason: reasonKey,
    },
  },
  INSTALL_REQUEST_CANCELLED: {
    typeName: 'InstallRequestCancelledEvent',
    keys: {
      install_request_id: { field: 'installRequestId', schema: { type: 'string' } },
      workspace_id: { field: 'workspaceId', schema: { type: 'string' } },
      reason: reasonKey,
    },
  },
  APPROVAL_LOST_SCOPE_CHANGE: {
    typeName: 'ApprovalLostEvent',
    keys: {
      approved_scopes: { field: 'approvedScopes', schema: stringList },
      requested_scopes: { field: 'requestedScopes', schema: stringList },
      uncovered_scopes: { field: 'uncoveredScopes', schema: stringList },
      reason: reasonKey,
    },
  },
  APPROVAL_EXPIRED: {
    typeName: 'ApprovalExpiredEvent',
    keys: {
      workspace_id: { field: 'workspaceId', schema: { ...nullableId, description: 'null for the org-level approval.' } },
      expired_at: { field: 'expiredAt', schema: { type: 'string', format: 'date-time' } },
      approved_scopes: { field: 'approvedScopes', schema: nullableStringList },
      approved_at: { field: 'approvedAt', schema: { type: ['string', 'null'], format: 'date-time' } },
      approved_by: { field: 'approvedById', schema: nullableId },
    },
  },
};

const aliasOf = (type: string, key: string) => `${type.toLowerCase()}__${key}`;

export const EVENT_FIELDS = /* GraphQL */ `
  fragment RestEvent on AppHistoryEvent {
    id type createdAt actor { id kind name }
    ... on ApprovalStatusChangedEvent { wasApproved isApproved fromResolution toResolution reason expiresAt }
    ... on AppUpdatedEvent { changes { field from to } reason }
    ... on NoteAddedEvent { note }
${Object.entries(DECISION_EVENTS)
  .map(([type, { typeName, keys }]) => `    ... on ${typeName} { ${Object.entries(keys).map(([key, { field }]) => `${aliasOf(type, key)}: ${field}`).join(' ')} }`)
  .join('\n')}
  }`;

const lower = (value: string | null) => (value === null ? null : value.toLowerCase());
export const upper = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value);

/** Drops absent keys, so a variable's default (or "leave unchanged") applies. */
export function present(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

interface GqlApp {
  id: string;
  name: string;
  codeName: string;
  isApproved: boolean;
  approvedAt: string | null;
  approvalExpiresAt?: string | null;
  resolution: string;
  ownerEmail: string | null;
  category: string | null;
  riskLevel: string | null;
  version: number;
  updatedAt: string | null;
}

export function restApp(app: GqlApp) {
  return {
    id: app.id,
    name: app.name,
    code_name: app.codeName,
    is_approved: app.isApproved,
    approved_at: app.approvedAt,
    // Only for an approval with an end.
    ...(app.approvalExpiresAt ? { approval_expires_at: app.approvalExpiresAt } : {}),
    resolution: lower(app.resolution),
    owner_email: app.ownerEmail,
    category: app.category,
    risk_level: lower(app.riskLevel),
    version: app.version,
    updated_at: app.updatedAt,
  };
}

const SNAKE_FIELDS: Record<string, string> = { ownerEmail: 'owner_email', category: 'category', riskLevel: 'risk_level' };

type GqlEvent = Record<string, unknown> & {
  id: string;
  type: string;
  createdAt: string;
  actor: { id: string; kind: string; name: string };
  wasApproved?: boolean;
  isApproved?: boolean;
  fromResolution?: string;
  toResolution?: string;
  reason?: string | null;
  changes?: { field: string; from: string | null; to: string | null }[];
  note?: string;
  expiresAt?: string | null;
};

export function restEvent(event: GqlEvent) {
  const common = {
    id: event.id,
    type: event.type.toLowerCase(),
    created_at: event.createdAt,
    actor: { id: event.actor.id, kind: event.actor.kind.toLowerCase(), name: event.actor.name },
  };
  if (event.type === 'NOTE_ADDED') return { ...common, note: event.note };
  const decision = DECISION_EVENTS[event.type as HistoryEventType];
  if (decision) {
    const metadata = Object.fromEntries(
      Object.entries(decision.keys)
        .map(([key, { lower: isEnum }]) => {
          const value = event[aliasOf(event.type, key)] ?? null;
          return [key, isEnum ? lower(value as string | null) : value];
        })
        .filter(([key, value]) => value !== null || !decision.keys[key as string]!.optional),
    );
    return { ...common, metadata };
  }
  if (event.type === 'APP_UPDATED') {
    const changes = event.changes!.map((c) => {
      const value = c.field === 'riskLevel' ? lower : (v: string | null) => v;
      return { field: SNAKE_FIELDS[c.field] ?? c.field, from: value(c.from), to: value(c.to) };
    });
    return { ...common, metadata: { changes, reason: event.reason ?? null } };
  }
  return {
    ...common,
    metadata: {
      was_approved: event.wasApproved,
      is_approved: event.isApproved,
      from_resolution: lower(event.fromResolution ?? null),
      to_resolution: lower(event.toResolution ?? null),
      reason: event.reason ?? null,
      // Only when the approval has an end.
      ...(event.expiresAt ? { expires_at: event.expiresAt } : {}),
    },
  };
}

export function page<T, R>(connection: { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }, map: (node: T) => R) {
  return { data: connection.nodes.map(map), next_cursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null };
}

const nullableString = { type: ['string', 'null'] } as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
/** Every history event type the service writes (HISTORY_EVENT_TYPES), as REST spells them. */
export const EVENT_TYPES: readonly string[] = HISTORY_EVENT_TYPES.map((type) => type.toLowerCase());
/** Every token kind (TOKEN_KINDS) as REST spells the GraphQL ActorKind (`INTERNAL_TOKEN` → `internal_token`). */
export const ACTOR_KINDS: readonly string[] = KINDS.map((kind) => (kind === 'system' ? 'system' : `${kind}_token`));

export const APP_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    code_name: { type: 'string' },
    is_approved: { type: 'boolean' },
    approved_at: { ...nullableString, format: 'date-time' },
    approval_expires_at: { type: 'string', format: 'date-time', description: 'When the approval ends; present only for an approval with an end.' },
    resolution: { type: 'string', enum: ['unresolved', 'approved', 'restricted'] },
    owner_email: nullableString,
    category: nullableString,
    risk_level: { type: ['string', 'null'], enum: [...RISK_LEVELS, null] },
    version: { type: 'integer' },
    updated_at: { ...nullableString, format: 'date-time' },
  },
};

const object = (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter((key) => !optional.includes(key)),
  properties,
});

/** The `metadata` (or `note`) of each event type. */
const EVENT_BODIES: Record<string, { metadata: JsonSchema } | { note: JsonSchema }> = {
  APPROVAL_STATUS_CHANGED: {
    metadata: object({
      was_approved: { type: 'boolean' },
      is_approved: { type: 'boolean' },
      from_resolution: { type: 'string', enum: [...RESOLUTIONS] },
      to_resolution: { type: 'string', enum: [...RESOLUTIONS] },
      reason: reasonKey.schema,
      expires_at: { type: 'string', format: 'date-time', description: "The approval's end; present only when it has one." },
    }, ['expires_at']),
  },
  APP_UPDATED: {
    metadata: object({
      changes: {
        type: 'array',
        items: object({ field: { type: 'string', enum: Object.values(SNAKE_FIELDS) }, from: nullableString, to: nullableString }),
      },
      reason: reasonKey.schema,
    }),
  },
  NOTE_ADDED: { note: { type: 'string', description: 'The note, trimmed.' } },
  ...Object.fromEntries(
    Object.entries(DECISION_EVENTS).map(([type, { keys }]) => [
      type,
      {
        metadata: object(
          Object.fromEntries(Object.entries(keys).map(([key, { schema }]) => [key, schema])),
          Object.entries(keys).filter(([, k]) => k.optional).map(([key]) => key),
        ),
      },
    ]),
  ),
};

/** An event: one schema per type (`type` is the discriminator), so a generated client narrows on it. */
export const EVENT_SCHEMA: JsonSchema = {
  oneOf: HISTORY_EVENT_TYPES.map((type) => {
    const body = EVENT_BODIES[type];
    if (!body) throw new Error(`history event type ${type} has no REST shape in rest-v2-mapping.ts`);
    return object({
      id: { type: 'string', format: 'uuid' },
      type: { type: 'string', const: type.toLowerCase() },
      created_at: { type: 'string', format: 'date-time' },
      actor: object({ id: { type: 'string' }, kind: { type: 'string', enum: [...ACTOR_KINDS] }, name: { type: 'string' } }),
      ...body,
    });
  }),
  discriminator: { propertyName: 'type' },
};

export const pageSchema = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: {
    data: { type: 'array', items: item },
    next_cursor: { ...nullableString, description: 'Pass as `cursor` for the next page; null on the last page.' },
  },
});

export const BULK_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['succeeded', 'failed'],
  properties: {
    succeeded: { type: 'array', items: { type: 'string', format: 'uuid' } },
    failed: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'error', 'code'],
        properties: { id: { type: 'string' }, error: { type: 'string' }, code: { type: 'string', enum: ['APP_NOT_FOUND'] } },
      },
    },
  },
};
