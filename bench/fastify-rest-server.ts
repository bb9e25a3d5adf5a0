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
import Fastify from 'fastify';
import { banner, openAppsPage, referenceEnv, UNAUTHORIZED } from './reference-data';

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

const app = Fastify();
app.addHook('onRequest', (request, reply, done) => {
  if (request.headers.authorization !== env.authorization) {
    void reply.code(401).header('content-type', 'application/json').send(UNAUTHORIZED);
    return;
  }
  done();
});
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

await app.listen({ port: env.port, host: env.host });
const address = app.server.address();
console.log(banner('fastify rest', env, typeof address === 'object' && address ? address.port : 0));

process.once('SIGTERM', () => {
  void app.close().then(() => {
    apps.close();
    process.exit(0);
  });
});
