/** The /v2 routes' shapes: GraphQL selections, their snake_case REST forms, and JSON schemas for OpenAPI. */
import type { JsonSchema } from './table';

export const APP_FIELDS = /* GraphQL */ `
  fragment RestApp on App {
    id name codeName isApproved approvedAt resolution ownerEmail category riskLevel version updatedAt
  }`;

export const EVENT_FIELDS = /* GraphQL */ `
  fragment RestEvent on AppHistoryEvent {
    id type createdAt actor { id kind name }
    ... on ApprovalStatusChangedEvent { wasApproved isApproved fromResolution toResolution reason }
    ... on AppUpdatedEvent { changes { field from to } reason }
    ... on NoteAddedEvent { note }
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
    resolution: lower(app.resolution),
    owner_email: app.ownerEmail,
    category: app.category,
    risk_level: lower(app.riskLevel),
    version: app.version,
    updated_at: app.updatedAt,
  };
}

const SNAKE_FIELDS: Record<string, string> = { ownerEmail: 'owner_email', category: 'category', riskLevel: 'risk_level' };

type GqlEvent = {
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
};

export function restEvent(event: GqlEvent) {
  const common = {
    id: event.id,
    type: event.type.toLowerCase(),
    created_at: event.createdAt,
    actor: { id: event.actor.id, kind: event.actor.kind.toLowerCase(), name: event.actor.name },
  };
  if (event.type === 'NOTE_ADDED') return { ...common, note: event.note };
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
    },
  };
}

export function page<T, R>(connection: { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }, map: (node: T) => R) {
  return { data: connection.nodes.map(map), next_cursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null };
}

const nullableString = { type: ['string', 'null'] } as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export const EVENT_TYPES = ['approval_status_changed', 'app_updated', 'note_added'] as const;

export const APP_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    code_name: { type: 'string' },
    is_approved: { type: 'boolean' },
    approved_at: { ...nullableString, format: 'date-time' },
    resolution: { type: 'string', enum: ['unresolved', 'approved', 'restricted'] },
    owner_email: nullableString,
    category: nullableString,
    risk_level: { type: ['string', 'null'], enum: [...RISK_LEVELS, null] },
    version: { type: 'integer' },
    updated_at: { ...nullableString, format: 'date-time' },
  },
};

export const EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'type', 'created_at', 'actor'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    created_at: { type: 'string', format: 'date-time' },
    actor: {
      type: 'object',
      properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['internal_token', 'client_token'] }, name: { type: 'string' } },
    },
    metadata: {
      type: 'object',
      description:
        'approval_status_changed: was_approved, is_approved, from_resolution, to_resolution, reason. ' +
        'app_updated: changes [{field, from, to}], reason.',
    },
    note: { type: 'string', description: 'note_added only.' },
  },
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
