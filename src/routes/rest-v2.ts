/**
 * The approvals REST API (Approve Apps, Remove App Approvals, Update App,
 * App History, Add App History Note), under /v2. Bodies and results are snake_case; enum values
 * are lowercase. See table.ts for how a row works.
 */
import { restProtocol } from './rest';
import {
  APP_FIELDS, APP_SCHEMA, BULK_SCHEMA, EVENT_FIELDS, EVENT_SCHEMA, EVENT_TYPES,
  page, pageSchema, present, restApp, restEvent, RISK_LEVELS, upper,
} from './rest-v2-mapping';
import { route, type ParamSpecs, type RouteInput, type RouteRow } from './table';

const CLIENT_ID = { client_id: 'The client (UUID).' };
const CLIENT_AND_APP = { ...CLIENT_ID, app_id: 'The app (UUID).' };

const BULK_BODY: ParamSpecs = {
  app_ids: { type: 'string[]', required: true, description: 'The apps (UUIDs): 1 to APPGOV_MAX_BULK_IDS distinct ids.' },
  reason: { type: 'string', nullable: true, description: 'Why: at most 500 characters, recorded on every event the call writes.' },
  dry_run: { type: 'boolean', description: 'true: validate and answer exactly as the real call would, but write nothing.' },
};

/** An approval's end (approveApps and updateApp): the same rules as the GraphQL arguments. */
const END_BODY: ParamSpecs = {
  expires_at: {
    type: 'string',
    nullable: true,
    description:
      'When the approval ends (an ISO 8601 date-time): then the app reads as not approved and an `approval_expired` event is written with that time. 400 when not in the future, more than 366 days ahead, or given with expires_in.',
  },
  expires_in: { type: 'string', nullable: true, description: 'The end as a duration from now: a whole number and a unit, m, h, d or w (`30d`, `12h`).' },
};

const PAGE_QUERY: ParamSpecs = {
  limit: { type: 'integer', description: 'Page size: 1 to 100, default 20.' },
  cursor: { type: 'string', description: 'The `next_cursor` of the previous page.' },
};

function bulkRoute(path: string, field: 'approveApps' | 'removeAppApprovals', summary: string): RouteRow {
  return route({
    method: 'POST',
    path,
    protocol: restProtocol,
    summary,
    description: `Runs the GraphQL mutation \`${field}\`: idempotent, all or nothing; an unknown app goes to \`failed\`.`,
    pathParams: CLIENT_ID,
    body: field === 'approveApps' ? { ...BULK_BODY, ...END_BODY } : BULK_BODY,
    operation:
      field === 'approveApps'
        ? /* GraphQL */ `
      mutation Rest_${field}($clientId: ID!, $appIds: [ID!]!, $reason: String, $dryRun: Boolean, $expiresAt: DateTime, $expiresIn: String) {
        ${field}(clientId: $clientId, appIds: $appIds, reason: $reason, dryRun: $dryRun, expiresAt: $expiresAt, expiresIn: $expiresIn) { succeeded failed { id error code } }
      }`
        : /* GraphQL */ `
      mutation Rest_${field}($clientId: ID!, $appIds: [ID!]!, $reason: String, $dryRun: Boolean) {
        ${field}(clientId: $clientId, appIds: $appIds, reason: $reason, dryRun: $dryRun) { succeeded failed { id error code } }
      }`,
    variables: ({ path, body }) =>
      present({
        clientId: path.client_id,
        appIds: body.app_ids,
        reason: body.reason,
        dryRun: body.dry_run,
        ...(field === 'approveApps' ? { expiresAt: body.expires_at, expiresIn: body.expires_in } : {}),
      }),
    respond: (data) => ({ body: { succeeded: data[field].succeeded, failed: data[field].failed } }),
    response: { status: 200, description: 'The outcome per id.', schema: BULK_SCHEMA },
  });
}

const APP_PATH = '/v2/clients/{client_id}/apps/{app_id}';

const appVariables = ({ path }: RouteInput) => ({ clientId: path.client_id, appId: path.app_id });

export const restV2Routes: RouteRow[] = [
  bulkRoute('/v2/clients/{client_id}/apps/approval', 'approveApps', 'Approve Apps'),
  bulkRoute('/v2/clients/{client_id}/apps/approvals/remove', 'removeAppApprovals', 'Remove App Approvals'),

  route({
    method: 'GET',
    path: '/v2/clients/{client_id}/apps',
    protocol: restProtocol,
    summary: "List the client's apps",
    description: 'Runs `client { apps }`: every catalog app with this client\'s state, ordered by name.',
    pathParams: CLIENT_ID,
    query: {
      approved: { type: 'boolean', description: 'true: only approved apps; false: only apps that are not approved.' },
      search: { type: 'string', description: 'Case-insensitive substring of the name or code name.' },
      ...PAGE_QUERY,
    },
    operation: /* GraphQL */ `
      query Rest_listApps($clientId: ID!, $approved: Boolean, $search: String, $first: Int, $after: String) {
        client(id: $clientId) {
          apps(approved: $approved, search: $search, first: $first, after: $after) {
            nodes { ...RestApp }
            pageInfo { hasNextPage endCursor }
          }
        }
      }
      ${APP_FIELDS}`,
    variables: ({ path, query }) =>
      present({ clientId: path.client_id, approved: query.approved, search: query.search, first: query.limit, after: query.cursor }),
    respond: (data) => ({ body: page(data.client.apps, restApp) }),
    response: { status: 200, description: 'A page of apps.', schema: pageSchema(APP_SCHEMA) },
  }),

  route({
    method: 'GET',
    path: APP_PATH,
    protocol: restProtocol,
    summary: 'Get one app',
    description: 'Runs `app(clientId, appId)`. 404 for an unknown client or app.',
    pathParams: CLIENT_AND_APP,
    operation: /* GraphQL */ `
      query Rest_getApp($clientId: ID!, $appId: ID!) { app(clientId: $clientId, appId: $appId) { ...RestApp } }
      ${APP_FIELDS}`,
    variables: appVariables,
    respond: (data) => ({ body: restApp(data.app) }),
    response: { status: 200, description: 'The app.', schema: APP_SCHEMA },
  }),

  route({
    method: 'PATCH',
    path: APP_PATH,
    protocol: restProtocol,
    summary: 'Update App',
    description:
      'Runs `updateApp`: only the keys present change; null clears owner_email, category or risk_level. ' +
      '409 when `expected_version` is stale.',
    pathParams: CLIENT_AND_APP,
    refusals: ['CONFLICT'],
    body: {
      is_approved: { type: 'boolean', nullable: true, description: 'Approve (true) or remove approval (false).' },
      owner_email: { type: 'string', nullable: true, description: "The app's owner on the client's side; null clears." },
      category: { type: 'string', nullable: true, description: 'A category label, 1 to 100 characters; null clears.' },
      risk_level: { type: 'string', enum: RISK_LEVELS, nullable: true, description: 'A risk level; null clears.' },
      reason: { type: 'string', nullable: true, description: 'Why: at most 500 characters, recorded on the events written.' },
      expected_version: { type: 'integer', nullable: true, description: "The app's `version` as last read." },
      ...END_BODY,
    },
    operation: /* GraphQL */ `
      mutation Rest_updateApp($clientId: ID!, $appId: ID!, $input: UpdateAppInput!) {
        updateApp(clientId: $clientId, appId: $appId, input: $input) { ...RestApp }
      }
      ${APP_FIELDS}`,
    variables: (input) => ({
      ...appVariables(input),
      input: present({
        isApproved: input.body.is_approved,
        ownerEmail: input.body.owner_email,
        category: input.body.category,
        riskLevel: upper(input.body.risk_level),
        reason: input.body.reason,
        expectedVersion: input.body.expected_version,
        expiresAt: input.body.expires_at,
        expiresIn: input.body.expires_in,
      }),
    }),
    respond: (data) => ({ body: restApp(data.updateApp) }),
    response: { status: 200, description: 'The app after the update.', schema: APP_SCHEMA },
  }),

  route({
    method: 'GET',
    path: `${APP_PATH}/history`,
    protocol: restProtocol,
    summary: 'App History',
    description: "Runs `appHistory`: the app's events for this client, newest first.",
    pathParams: CLIENT_AND_APP,
    query: {
      ...PAGE_QUERY,
      types: { type: 'string[]', enum: EVENT_TYPES, description: 'Only these event types (comma-separated).' },
    },
    operation: /* GraphQL */ `
      query Rest_appHistory($clientId: ID!, $appId: ID!, $first: Int, $after: String, $types: [AppHistoryEventType!]) {
        appHistory(clientId: $clientId, appId: $appId, first: $first, after: $after, types: $types) {
          nodes { ...RestEvent }
          pageInfo { hasNextPage endCursor }
        }
      }
      ${EVENT_FIELDS}`,
    variables: (input) =>
      present({
        ...appVariables(input),
        first: input.query.limit,
        after: input.query.cursor,
        types: (input.query.types as string[] | undefined)?.map(upper),
      }),
    respond: (data) => ({ body: page(data.appHistory, restEvent) }),
    response: { status: 200, description: 'A page of events.', schema: pageSchema(EVENT_SCHEMA) },
  }),

  route({
    method: 'POST',
    path: `${APP_PATH}/history/notes`,
    protocol: restProtocol,
    summary: 'Add App History Note',
    description: 'Runs `addAppHistoryNote`. The note is trimmed and must then be 1 to 2000 characters.',
    pathParams: CLIENT_AND_APP,
    body: { note: { type: 'string', required: true, description: 'The note.' } },
    operation: /* GraphQL */ `
      mutation Rest_addNote($clientId: ID!, $appId: ID!, $note: String!) {
        addAppHistoryNote(clientId: $clientId, appId: $appId, note: $note) { ...RestEvent }
      }
      ${EVENT_FIELDS}`,
    variables: (input) => ({ ...appVariables(input), note: input.body.note }),
    respond: (data) => ({ status: 201, body: restEvent(data.addAppHistoryNote) }),
    response: { status: 201, description: 'The note_added event.', schema: EVENT_SCHEMA },
  }),
];
