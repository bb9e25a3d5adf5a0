/**
 * Slack's admin.apps Web API methods as rows of the route table: `enterprise_id` is a client
 * id, `team_id` a workspace id. Each row maps Slack's arguments to one GraphQL operation and
 * its data to Slack's field names; every rule and refusal comes from the GraphQL API.
 *
 * Page size: Slack's `limit` is 1 to 1000 (default 100); appgov's GraphQL pages hold at most
 * 100. A larger `limit` gets a page of 100 and a `next_cursor` (Slack's documentation lets a
 * method return fewer items than `limit`: clients must follow the cursor).
 *
 * Every method answers POST and GET, as Slack's do (Slack prefers GET for the lists); the
 * arguments come from the query string and the body alike (slack-protocol.ts).
 */
import type { Scope } from '../auth/principal';
import { slackProtocol } from './slack-protocol';
import { route, type ParamSpecs, type RouteInput, type RouteRow } from './table';

const GRAPHQL_MAX_PAGE = 100;
const SLACK_DEFAULT_LIMIT = 100;

const TARGET: ParamSpecs = {
  enterprise_id: { type: 'string', description: 'The client (UUID): an org-level decision. Exactly one of enterprise_id and team_id.' },
  team_id: { type: 'string', description: 'A workspace (UUID): a workspace-level decision.' },
};
const SUBJECT: ParamSpecs = {
  app_id: { type: 'string', description: 'The app (UUID). Exactly one of app_id and request_id.' },
  request_id: { type: 'string', description: 'An install request (UUID).' },
};
const PAGE: ParamSpecs = {
  limit: { type: 'integer', description: 'Items per page: 1 to 1000, default 100; pages hold at most 100 (follow next_cursor).' },
  cursor: { type: 'string', description: 'The previous page\'s `response_metadata.next_cursor`.' },
};

/**
 * Slack's `certified` on the lists: "limit the results to only include certified apps; when
 * false, no certified apps will appear". appgov's catalog certifies no app, so `true` gives an
 * empty list and `false` (the default) the whole list.
 */
const CERTIFIED: ParamSpecs = {
  certified: { type: 'boolean', description: "true: certified apps only. appgov certifies no app, so true gives an empty list; false (the default) gives every app." },
};

/** The scope a method needs, as Slack's `X-Accepted-OAuth-Scopes` names it on every answer. */
const accepts = (scope: Scope) => ({ 'X-Accepted-OAuth-Scopes': scope });

/** The POST row and its GET twin: the same method with its arguments in the query string (for the OpenAPI document). */
function withGet(row: RouteRow): RouteRow[] {
  const { body, ...rest } = row;
  return [row, { ...rest, method: 'GET', ...(body ? { query: body } : {}) }];
}

type Body = RouteInput['body'];
const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Slack's exactly-one pairs as GraphQL @oneOf inputs: none → null (so GraphQL says which pair is missing). */
function oneOf(pairs: Record<string, unknown>): Record<string, string> | null {
  const given = Object.fromEntries(Object.entries(pairs).filter(([, v]) => str(v) !== undefined)) as Record<string, string>;
  return Object.keys(given).length === 0 ? null : given;
}
const at = (body: Body) => oneOf({ clientId: body.enterprise_id, workspaceId: body.team_id });
const subject = (body: Body) => oneOf({ appId: body.app_id, requestId: body.request_id });

/** Below 1 is passed on (GraphQL refuses it: invalid_arguments); above 100 is served 100 at a time. */
function first(body: Body): number {
  const limit = typeof body.limit === 'number' ? body.limit : SLACK_DEFAULT_LIMIT;
  return Math.min(limit, GRAPHQL_MAX_PAGE);
}

/** The variables of both list methods: the enterprise or team, the page size and the cursor. */
const pageOf = (body: Body) => ({ at: at(body), first: first(body), ...(str(body.cursor) ? { after: body.cursor } : {}) });

const OK = { type: 'object', required: ['ok'], properties: { ok: { const: true } } } as const;

/**
 * approve's scopes: `scopes`, `bot_scopes` and `user_scopes` together (appgov keeps one scope
 * list per app, with no token type); none given: every scope the app requests.
 */
function approvedScopes(body: Body): { scopes?: string[] } {
  const given = [body.scopes, body.bot_scopes, body.user_scopes].filter((v) => str(v) !== undefined) as string[];
  if (given.length === 0) return {};
  return { scopes: [...new Set(given.flatMap((list) => list.split(',').map((s) => s.trim())))] };
}

const certifiedOnly = (body: Body) => body.certified === true;

function decisionRoute(method: 'approve' | 'restrict' | 'clearResolution', field: string, scopes: boolean): RouteRow {
  return route({
    method: 'POST',
    path: `/api/admin.apps.${method}`,
    protocol: slackProtocol,
    summary: `Slack admin.apps.${method}`,
    description: `Runs the GraphQL mutation \`${field}\`.`,
    body: {
      ...SUBJECT,
      ...TARGET,
      ...(scopes
        ? {
            scopes: { type: 'string', description: 'Comma-separated scopes to approve (a subset of the app\'s).' },
            bot_scopes: { type: 'string', description: "Slack's bot scopes to approve, comma-separated: approved with `scopes` and `user_scopes` (appgov's apps have one scope list)." },
            user_scopes: { type: 'string', description: "Slack's user scopes to approve, comma-separated: approved with `scopes` and `bot_scopes`." },
          }
        : {}),
    },
    headers: accepts('apps:write'),
    operation: /* GraphQL */ `
      mutation Slack_${field}($app: AppOrInstallRequest!, $at: ClientOrWorkspace!${scopes ? ', $scopes: [String!]' : ''}) {
        ${field}(app: $app, at: $at${scopes ? ', scopes: $scopes' : ''}) { changed }
      }`,
    variables: ({ body }) => ({
      app: subject(body),
      at: at(body),
      ...(scopes ? approvedScopes(body) : {}),
    }),
    respond: () => ({ body: { ok: true } }),
    response: { status: 200, description: '`{"ok": true}`', schema: OK },
  });
}

const scopeObjects = (scopes: string[] | null) => (scopes ?? []).map((name) => ({ name, is_sensitive: false, token_type: 'bot' }));
const seconds = (iso: string | null) => (iso === null ? null : Math.floor(new Date(iso).getTime() / 1000));
const nextCursor = (pageInfo: { hasNextPage: boolean; endCursor: string | null }) => ({
  next_cursor: pageInfo.hasNextPage ? (pageInfo.endCursor ?? '') : '',
});

function decisionListRoute(list: 'approved' | 'restricted'): RouteRow {
  const key = `${list}_apps`;
  return route({
    method: 'POST',
    path: `/api/admin.apps.${list}.list`,
    protocol: slackProtocol,
    summary: `Slack admin.apps.${list}.list`,
    description: `Runs the GraphQL query \`appDecisions(resolution: ${list.toUpperCase()})\`: enterprise_id gives the org-level list, team_id that workspace's own.`,
    body: { ...TARGET, ...PAGE, ...CERTIFIED },
    headers: accepts('apps:read'),
    operation: /* GraphQL */ `
      query Slack_${list}List($at: ClientOrWorkspace!, $first: Int, $after: String) {
        appDecisions(at: $at, resolution: ${list.toUpperCase()}, first: $first, after: $after) {
          nodes { app { id name codeName } approvedScopes approvalExpiresAt decidedAt decidedById }
          pageInfo { hasNextPage endCursor }
        }
      }`,
    variables: ({ body }) => pageOf(body),
    respond: (data, { body }) => ({
      body: {
        ok: true,
        [key]: (certifiedOnly(body) ? [] : data.appDecisions.nodes).map((d: any) => ({
          app: { id: d.app.id, name: d.app.name, code_name: d.app.codeName },
          scopes: scopeObjects(d.approvedScopes),
          date_updated: seconds(d.decidedAt),
          last_resolved_by: { actor_id: d.decidedById, actor_type: 'token' },
          // appgov's own field (Slack has no ending approvals): when the approval ends, in Unix seconds; only when it has an end.
          ...(d.approvalExpiresAt ? { date_expires: seconds(d.approvalExpiresAt) } : {}),
        })),
        response_metadata: certifiedOnly(body) ? { next_cursor: '' } : nextCursor(data.appDecisions.pageInfo),
      },
    }),
    response: { status: 200, description: `\`{"ok": true, "${key}": […], "response_metadata": {"next_cursor"}}\``, schema: { type: 'object' } },
  });
}

const postRoutes: RouteRow[] = [
  decisionRoute('approve', 'approveApp', true),
  decisionRoute('restrict', 'restrictApp', false),
  decisionRoute('clearResolution', 'clearAppResolution', false),
  decisionListRoute('approved'),
  decisionListRoute('restricted'),

  route({
    method: 'POST',
    path: '/api/admin.apps.requests.list',
    protocol: slackProtocol,
    summary: 'Slack admin.apps.requests.list',
    description: 'Runs the GraphQL query `installRequests` (pending requests, newest first).',
    body: { ...TARGET, ...PAGE, ...CERTIFIED },
    headers: accepts('apps:read'),
    operation: /* GraphQL */ `
      query Slack_requestsList($at: ClientOrWorkspace!, $first: Int, $after: String) {
        installRequests(at: $at, first: $first, after: $after) {
          nodes {
            id scopes message requester createdAt
            app { id name codeName resolution approvedScopes }
            workspace { id name }
          }
          pageInfo { hasNextPage endCursor }
        }
      }`,
    variables: ({ body }) => pageOf(body),
    respond: (data, { body }) => ({
      body: {
        ok: true,
        app_requests: (certifiedOnly(body) ? [] : data.installRequests.nodes).map((r: any) => ({
          id: r.id,
          app: { id: r.app.id, name: r.app.name, code_name: r.app.codeName },
          previous_resolution:
            r.app.resolution === 'UNRESOLVED'
              ? null
              : { status: r.app.resolution === 'APPROVED' ? 'approved' : 'restricted', scopes: scopeObjects(r.app.approvedScopes) },
          user: { name: r.requester },
          team: { id: r.workspace.id, name: r.workspace.name },
          scopes: scopeObjects(r.scopes),
          message: r.message ?? '',
          date_created: seconds(r.createdAt),
        })),
        response_metadata: certifiedOnly(body) ? { next_cursor: '' } : nextCursor(data.installRequests.pageInfo),
      },
    }),
    response: { status: 200, description: '`{"ok": true, "app_requests": […], "response_metadata": {"next_cursor"}}`', schema: { type: 'object' } },
  }),

  route({
    method: 'POST',
    path: '/api/admin.apps.requests.cancel',
    protocol: slackProtocol,
    summary: 'Slack admin.apps.requests.cancel',
    description: 'Runs the GraphQL mutation `cancelAppInstallRequest`.',
    body: { request_id: { type: 'string', description: 'The install request (UUID).' }, ...TARGET },
    headers: accepts('apps:write'),
    operation: /* GraphQL */ `
      mutation Slack_requestsCancel($requestId: ID!, $clientId: ID, $workspaceId: ID) {
        cancelAppInstallRequest(requestId: $requestId, clientId: $clientId, workspaceId: $workspaceId) { id }
      }`,
    // A missing request_id is passed as "" so GraphQL answers it (invalid_request_id), like a malformed one.
    variables: ({ body }) => ({
      requestId: str(body.request_id) ?? '',
      ...(str(body.enterprise_id) ? { clientId: body.enterprise_id } : {}),
      ...(str(body.team_id) ? { workspaceId: body.team_id } : {}),
    }),
    respond: () => ({ body: { ok: true } }),
    response: { status: 200, description: '`{"ok": true}`', schema: OK },
  }),
];

export const slackRoutes: RouteRow[] = postRoutes.flatMap(withGet);
