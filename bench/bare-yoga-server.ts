/**
 * Reference servers of the pipeline section (bench/pipeline.ts): plain graphql-yoga 5 with its
 * defaults (parse and validation caches, CORS, masked errors, GraphiQL on GET) and none of appgov's
 * plugins, on node:http, over bench/reference-data.ts's four-type schema and statement, on the same
 * SQLite file (APPGOV_DB) appgov serves. Every request's Authorization header must equal
 * `Bearer <REFERENCE_TOKEN>` (one string compare in an onRequest hook; else 401).
 *
 * REFERENCE_JIT=1: the same with @envelop/graphql-jit's useGraphQlJit() (compiled execution), what a
 * Yoga user reaches for to make execution cheaper.
 *
 * Bundled with esbuild (scripts/build.mjs) and started with npm start's node flags by the bench;
 * prints "bare yoga is serving http://host:port/graphql" once listening (PORT, HOST as appgov's).
 */
import { createServer } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { banner, openAppsPage, referenceEnv, referenceResolvers, TYPE_DEFS, UNAUTHORIZED } from './reference-data';

const env = referenceEnv('bare-yoga-server.mjs');
const jit = process.env.REFERENCE_JIT === '1';
const apps = openAppsPage(env.file);

const auth: Plugin = {
  onRequest({ request, fetchAPI, endResponse }) {
    if (request.headers.get('authorization') !== env.authorization) {
      endResponse(new fetchAPI.Response(UNAUTHORIZED, { status: 401, headers: { 'content-type': 'application/json' } }));
    }
  },
};

const yoga = createYoga({
  schema: createSchema({ typeDefs: TYPE_DEFS, resolvers: referenceResolvers(apps.page) }),
  plugins: jit ? [auth, useGraphQlJit()] : [auth],
});

const server = createServer(yoga);
server.listen(env.port, env.host, () => {
  const address = server.address();
  console.log(banner(jit ? 'yoga with graphql-jit' : 'bare yoga', env, typeof address === 'object' && address ? address.port : 0));
});

process.once('SIGTERM', () => {
  server.close(() => {
    apps.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
