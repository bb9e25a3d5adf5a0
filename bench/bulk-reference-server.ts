/**
 * The bulk section's framework references (bench/bulk.ts): what a user might build instead of appgov
 * on the same SQL. Each runs appgov's own bulk service (src/services/approvals.ts: approveApps /
 * removeAppApprovals, the very statements appgov's writer thread runs) in-process, on its own copy of
 * appgov's data, and answers the bytes appgov answers:
 *
 *   REFERENCE_KIND=fastify-rest   Fastify 5 routes, the body checked by its JSON schema (ajv) and the
 *                                 answer serialised from a response schema (fast-json-stringify):
 *                                   POST /clients/:clientId/apps/approve   {"appIds":[…]}
 *                                   POST /clients/:clientId/apps/remove    {"appIds":[…]}
 *   REFERENCE_KIND=mercurius      Mercurius on Fastify 5 with its defaults, a schema of the two mutations,
 *                                 taking appgov's own POST /graphql body.
 *
 * Both answer `{"data":{"approveApps":{"succeeded":[…],"failed":[{"id","error","code"}]}}}`. They do
 * not look the token up (one string compare of the Authorization header, else 401: the principal is
 * resolved once at start-up, as appgov's cache would hold it), rate-limit, limit documents, log
 * requests, count metrics or hop to a writer thread. That is what the figure prices.
 *
 * Bundled with esbuild (scripts/build.mjs) beside bench/floor-server.ts and started with npm start's
 * node flags by bench/bulk.ts; APPGOV_DB, REFERENCE_TOKEN, APPGOV_MAX_BULK_IDS and APPGOV_DB_SYNC say
 * what to open. Prints "<kind> is serving http://host:port/graphql on <file>" once listening.
 */
import mercurius from 'mercurius';
import { resolvePrincipal } from '../src/auth/tokens';
import { openDatabase, type DbSync } from '../src/db/open';
import { approveApps, removeAppApprovals, type BulkResult } from '../src/services/approvals';
import { serveOnFastify } from './fastify-reference';
import { referenceEnv } from './reference-data';

const kind = process.env.REFERENCE_KIND;
if (kind !== 'fastify-rest' && kind !== 'mercurius') throw new Error('REFERENCE_KIND must be fastify-rest or mercurius');
const env = referenceEnv('bulk-reference-server.mjs');
const maxIds = Number(process.env.APPGOV_MAX_BULK_IDS ?? 1000);
const opened = openDatabase(env.file, { dbSync: (process.env.APPGOV_DB_SYNC ?? 'normal') as DbSync });
const actor = resolvePrincipal(opened.db, env.authorization);
if (!actor) throw new Error('REFERENCE_TOKEN is not a token of APPGOV_DB');

const decide = (approve: boolean, clientId: string, appIds: readonly string[]) => {
  const { succeeded, failed } = (approve ? approveApps : removeAppApprovals)(opened.db, { clientId, appIds, actor, maxIds });
  return { succeeded, failed } satisfies Omit<BulkResult, 'changed'>;
};

if (kind === 'fastify-rest') {
  const failure = {
    type: 'object',
    properties: { id: { type: 'string' }, error: { type: 'string' }, code: { type: 'string' } },
    required: ['id', 'error', 'code'],
  } as const;
  const result = {
    type: 'object',
    properties: { succeeded: { type: 'array', items: { type: 'string' } }, failed: { type: 'array', items: failure } },
    required: ['succeeded', 'failed'],
  } as const;
  const route = (field: 'approveApps' | 'removeAppApprovals') => ({
    schema: {
      params: { type: 'object', properties: { clientId: { type: 'string' } }, required: ['clientId'] },
      body: { type: 'object', properties: { appIds: { type: 'array', items: { type: 'string' }, maxItems: maxIds } }, required: ['appIds'] },
      response: { 200: { type: 'object', properties: { data: { type: 'object', properties: { [field]: result }, required: [field] } }, required: ['data'] } },
    },
  });
  await serveOnFastify(env, 'fastify rest', opened.close, (app) => {
    for (const [path, field] of [['approve', 'approveApps'], ['remove', 'removeAppApprovals']] as const) {
      app.post<{ Params: { clientId: string }; Body: { appIds: string[] } }>(`/clients/:clientId/apps/${path}`, route(field), (request) => ({
        data: { [field]: decide(field === 'approveApps', request.params.clientId, request.body.appIds) },
      }));
    }
  });
} else {
  const schema = /* GraphQL */ `
    type Query { ok: Boolean }
    type BulkFailure { id: ID! error: String! code: String! }
    type BulkResult { succeeded: [ID!]! failed: [BulkFailure!]! }
    type Mutation {
      approveApps(clientId: ID!, appIds: [ID!]!): BulkResult!
      removeAppApprovals(clientId: ID!, appIds: [ID!]!): BulkResult!
    }
  `;
  type Args = { clientId: string; appIds: string[] };
  const resolvers = {
    Mutation: {
      approveApps: (_: unknown, args: Args) => decide(true, args.clientId, args.appIds),
      removeAppApprovals: (_: unknown, args: Args) => decide(false, args.clientId, args.appIds),
    },
  };
  await serveOnFastify(env, 'mercurius', opened.close, async (app) => {
    await app.register(mercurius, { schema, resolvers, graphiql: false });
  });
}
