/**
 * vcita's app-assignment routes: the v3 AppAssignment resource and the deprecated v1
 * assign call. Rows map shapes only: assignee type → the @oneOf assignee key, lowercase modes →
 * the enum; every value rule (unknown mode or assignee type, BUILT_IN in v3, the v1 flags) is
 * decided by the schema and the services, so REST and GraphQL answer alike.
 */
import { V1_DEPRECATION_DATE, V1_REMOVAL_DATE } from '../services/assignment-v1';
import { present, upper } from './rest-v2-mapping';
import { createRestProtocol } from './rest';
import { route, type JsonSchema, type Protocol, type RouteRow } from './table';

const ASSIGNMENT_FIELDS = /* GraphQL */ `
  fragment V3Assignment on AppAssignment { id createdAt updatedAt assigneeType assigneeId appCodeName mode }`;

interface GqlAssignment {
  id: string;
  createdAt: string;
  updatedAt: string;
  assigneeType: string;
  assigneeId: string;
  appCodeName: string;
  mode: string;
}

/** The v3 AppAssignment entity. */
function v3Assignment(a: GqlAssignment) {
  return {
    uid: a.id,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    assignee_type: a.assigneeType.toLowerCase(),
    assignee_uid: a.assigneeId,
    app_code_name: a.appCodeName,
    settings: { assignment_mode: a.mode.toLowerCase() },
  };
}

const ASSIGNMENT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    uid: { type: 'string', format: 'uuid' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    assignee_type: { type: 'string', enum: ['directory', 'business'] },
    assignee_uid: { type: 'string', format: 'uuid' },
    app_code_name: { type: 'string' },
    settings: {
      type: 'object',
      properties: { assignment_mode: { type: 'string', enum: ['standard', 'internal', 'pre_installed', 'built_in'] } },
    },
  },
};

/** v3 names the assignee by type and uid; GraphQL by the @oneOf key (`directoryId` or `businessId`). An unknown type names an unknown key. */
function assigneeOf(type: unknown, uid: unknown): Record<string, unknown> | undefined {
  if (type === undefined && uid === undefined) return undefined;
  return type === undefined ? {} : present({ [`${String(type)}Id`]: uid });
}

/** 201 when the call created or changed the assignment, 200 with the existing one when nothing changed. */
const assignReply = (result: { outcome: string; assignment: GqlAssignment }) => ({
  status: result.outcome === 'UNCHANGED' ? 200 : 201,
  body: v3Assignment(result.assignment),
});

const ASSIGN_SELECTION = `{ outcome assignment { ...V3Assignment } }`;

export const v3Protocol = createRestProtocol('vcita-v3', ['/v3']);

/** RFC 9745 `Deprecation` (when), RFC 8594 `Sunset` (removal) and the successor: on every v1 response, errors included. */
export const V1_DEPRECATION_HEADERS: Readonly<Record<string, string>> = {
  Deprecation: `@${Date.parse(`${V1_DEPRECATION_DATE}T00:00:00Z`) / 1000}`,
  Sunset: new Date(`${V1_REMOVAL_DATE}T00:00:00Z`).toUTCString(),
  Link: '</v3/apps/app_assignments>; rel="successor-version"',
};

const v1Base = createRestProtocol('vcita-v1', ['/platform/v1']);
/** Like v3's errors, plus the deprecation headers even where no row matched (404, 405). */
export const v1Protocol: Protocol = {
  ...v1Base,
  errorReply: (error) => {
    const reply = v1Base.errorReply(error);
    return { ...reply, headers: { ...reply.headers, ...V1_DEPRECATION_HEADERS } };
  },
};

const V1_FLAG = (mode: string, directoryOnly: boolean) => ({
  type: 'string' as const,
  description: `"true" assigns with mode ${mode}${directoryOnly ? ' (with directory_uid only)' : ''}; "false" is the same as absent.`,
});

export const assignmentRoutes: RouteRow[] = [
  route({
    method: 'POST',
    path: '/v3/apps/app_assignments',
    protocol: v3Protocol,
    summary: 'Assign an app to a directory or a business (v3)',
    description:
      'Runs `assignApp`. `settings` absent: mode standard. `built_in` is not supported in v3 (400). 201 with the created or changed assignment; 200 with the existing one when nothing changed.',
    body: {
      assignee_type: { type: 'string', description: '"directory" or "business".' },
      assignee_uid: { type: 'string', description: 'The directory or business (UUID).' },
      app_code_name: { type: 'string', required: true, description: "The app's code name." },
      settings: {
        type: 'object',
        description: 'How the app is offered.',
        properties: { assignment_mode: { type: 'string', description: '"standard" (default), "internal" or "pre_installed".' } },
      },
    },
    operation: /* GraphQL */ `
      mutation V3_assignApp($appCodeName: String!, $assignee: AssigneeInput!, $mode: AppAssignmentMode) {
        assignApp(input: { appCodeName: $appCodeName, assignee: $assignee, mode: $mode }) ${ASSIGN_SELECTION}
      }
      ${ASSIGNMENT_FIELDS}`,
    variables: ({ body }) =>
      present({
        appCodeName: body.app_code_name,
        assignee: assigneeOf(body.assignee_type, body.assignee_uid) ?? {},
        mode: upper((body.settings as { assignment_mode?: string } | undefined)?.assignment_mode),
      }),
    respond: (data) => assignReply(data.assignApp),
    response: {
      status: 201,
      description: 'The assignment, created or changed.',
      schema: ASSIGNMENT_SCHEMA,
      otherStatuses: [{ status: 200, description: 'Nothing changed: the existing assignment.' }],
    },
  }),

  route({
    method: 'GET',
    path: '/v3/apps/app_assignments',
    protocol: v3Protocol,
    summary: 'List app assignments (v3)',
    description:
      'Runs `appAssignments`, oldest first. Without an assignee, internal tokens only. An unknown app_code_name gives an empty list.',
    query: {
      assignee_type: { type: 'string', description: '"directory" or "business" (with assignee_uid).' },
      assignee_uid: { type: 'string', description: 'The directory or business (UUID).' },
      app_code_name: { type: 'string', description: 'Only this app.' },
      assignment_mode: { type: 'string', description: 'Only this mode.' },
      limit: { type: 'integer', description: 'Page size: 1 to 100, default 20.' },
      cursor: { type: 'string', description: 'The `next_cursor` of the previous page.' },
    },
    operation: /* GraphQL */ `
      query V3_listAssignments($assignee: AssigneeInput, $appCodeName: String, $mode: AppAssignmentMode, $first: Int, $after: String) {
        appAssignments(assignee: $assignee, appCodeName: $appCodeName, mode: $mode, first: $first, after: $after) {
          nodes { ...V3Assignment }
          pageInfo { hasNextPage endCursor }
        }
      }
      ${ASSIGNMENT_FIELDS}`,
    variables: ({ query }) =>
      present({
        assignee: assigneeOf(query.assignee_type, query.assignee_uid),
        appCodeName: query.app_code_name,
        mode: upper(query.assignment_mode),
        first: query.limit,
        after: query.cursor,
      }),
    respond: (data) => ({
      body: {
        data: data.appAssignments.nodes.map(v3Assignment),
        next_cursor: data.appAssignments.pageInfo.hasNextPage ? data.appAssignments.pageInfo.endCursor : null,
      },
    }),
    response: {
      status: 200,
      description: 'A page of assignments.',
      schema: { type: 'object', properties: { data: { type: 'array', items: ASSIGNMENT_SCHEMA }, next_cursor: { type: ['string', 'null'] } } },
    },
  }),

  route({
    method: 'DELETE',
    path: '/v3/apps/app_assignments/{uid}',
    protocol: v3Protocol,
    summary: 'Remove an app assignment (v3)',
    description: 'Runs `unassignApp`. The assignment history keeps the removal.',
    pathParams: { uid: 'The assignment (UUID).' },
    operation: /* GraphQL */ `mutation V3_unassignApp($id: ID!) { unassignApp(id: $id) { id } }`,
    variables: ({ path }) => ({ id: path.uid }),
    respond: () => ({ status: 204 }),
    response: { status: 204, description: 'Removed.' },
  }),

  route({
    method: 'POST',
    path: '/platform/v1/apps/{app_code_name}/assign',
    protocol: v1Protocol,
    deprecated: true,
    headers: V1_DEPRECATION_HEADERS,
    summary: 'Assign an app on a directory or a business (deprecated: use POST /v3/apps/app_assignments)',
    description:
      `Runs the deprecated \`assignAppV1\`, mapped onto the v3 assignment: each flag below says the mode it selects, and no flag means standard. Every response carries \`Deprecation\`, \`Sunset\` (${V1_REMOVAL_DATE}) and \`Link: </v3/apps/app_assignments>; rel="successor-version"\`.`,
    pathParams: { app_code_name: "The app's code name (not its id)." },
    body: {
      directory_uid: { type: 'string', description: 'The directory (UUID). Exactly one of this and business_uid.' },
      business_uid: { type: 'string', description: 'The business (UUID). Exactly one of this and directory_uid.' },
      is_internal: V1_FLAG('internal', true),
      pre_installed: V1_FLAG('pre_installed', true),
      built_in: V1_FLAG('built_in', true),
      hide_from_market: V1_FLAG('internal', false),
    },
    operation: /* GraphQL */ `
      mutation V1_assignApp($appCodeName: String!, $directoryUid: String, $businessUid: String, $isInternal: String,
                            $preInstalled: String, $builtIn: String, $hideFromMarket: String) {
        assignAppV1(appCodeName: $appCodeName, directoryUid: $directoryUid, businessUid: $businessUid, isInternal: $isInternal,
                    preInstalled: $preInstalled, builtIn: $builtIn, hideFromMarket: $hideFromMarket) ${ASSIGN_SELECTION}
      }
      ${ASSIGNMENT_FIELDS}`,
    variables: ({ path, body }) =>
      present({
        appCodeName: path.app_code_name,
        directoryUid: body.directory_uid,
        businessUid: body.business_uid,
        isInternal: body.is_internal,
        preInstalled: body.pre_installed,
        builtIn: body.built_in,
        hideFromMarket: body.hide_from_market,
      }),
    respond: (data) => assignReply(data.assignAppV1),
    response: {
      status: 201,
      description: 'The assignment, created or changed, as v3 returns it.',
      schema: ASSIGNMENT_SCHEMA,
      otherStatuses: [{ status: 200, description: 'Nothing changed: the existing assignment, as v3 returns it.' }],
    },
  }),
];
