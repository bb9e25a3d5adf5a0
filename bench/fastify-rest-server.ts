/**
 * Reference server of the pipeline section (bench/pipeline.ts): the small read as a plain Fastify 5
 * REST route, what a user might write instead of GraphQL,
 *
 *   GET /clients/:id/apps?first=10   ->  {"data":{"client":{"apps":{"nodes":[{"id","name","isApproved"}…]}}}}
 *
 * the same bytes as appgov's answer to the small read, from bench/reference-data.ts's statement on
 * the same SQLite file (APPGOV_DB), serialised by Fastify from a response schema (fast-json-stringify),
 * as Fastify recommends. Every request's Authorization header must equal `Bearer <REFERENCE_TOKEN>`
 * (one string compare in an onRequest hook; else 401).
 *
 * Bundled with esbuild (scripts/build.mjs) and started with npm start's node flags by the bench;
 * prints "fastify rest is serving http://host:port/graphql" once listening (the path is the bench's
 * banner convention; the route is the one above).
 */
import { serveOnFastify } from './fastify-reference';
import { openAppsPage, referenceEnv } from './reference-data';

const env = referenceEnv('fastify-rest-server.mjs');
const apps = openAppsPage(env.file);

const node = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, isApproved: { type: 'boolean' } },
  required: ['id', 'name', 'isApproved'],
} as const;
const answer = {
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: {
        client: {
          type: 'object',
          properties: { apps: { type: 'object', properties: { nodes: { type: 'array', items: node } }, required: ['nodes'] } },
          required: ['apps'],
        },
      },
      required: ['client'],
    },
  },
  required: ['data'],
} as const;

await serveOnFastify(env, 'fastify rest', apps.close, (app) => {
  app.get<{ Params: { id: string }; Querystring: { first?: number } }>(
    '/clients/:id/apps',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        querystring: { type: 'object', properties: { first: { type: 'integer', minimum: 1, maximum: 100, default: 10 } } },
        response: { 200: answer },
      },
    },
    (request) => ({ data: { client: { apps: { nodes: apps.page(request.params.id, request.query.first ?? 10) } } } }),
  );
});
