/**
 * Reference server of the pipeline section (bench/pipeline.ts): Mercurius on Fastify 5, with their
 * defaults (Mercurius's parse and validation caches; no GraphiQL, no Fastify logger), over
 * bench/reference-data.ts's four-type schema and statement, on the same SQLite file (APPGOV_DB)
 * appgov serves. Every request's Authorization header must equal `Bearer <REFERENCE_TOKEN>` (one
 * string compare in an onRequest hook; else 401).
 *
 * REFERENCE_JIT=1: Mercurius's own graphql-jit (jit: 1, a query compiled from its second call on).
 *
 * Bundled with esbuild (scripts/build.mjs) and started with npm start's node flags by the bench;
 * prints "mercurius is serving http://host:port/graphql" once listening.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { banner, openAppsPage, referenceEnv, referenceResolvers, TYPE_DEFS, UNAUTHORIZED } from './reference-data';

const env = referenceEnv('mercurius-server.mjs');
const jit = process.env.REFERENCE_JIT === '1';
const apps = openAppsPage(env.file);

const app = Fastify();
app.addHook('onRequest', (request, reply, done) => {
  if (request.headers.authorization !== env.authorization) {
    void reply.code(401).header('content-type', 'application/json').send(UNAUTHORIZED);
    return;
  }
  done();
});
await app.register(mercurius, { schema: TYPE_DEFS, resolvers: referenceResolvers(apps.page), graphiql: false, ...(jit ? { jit: 1 } : {}) });

await app.listen({ port: env.port, host: env.host });
const address = app.server.address();
console.log(banner(jit ? 'mercurius with jit' : 'mercurius', env, typeof address === 'object' && address ? address.port : 0));

process.once('SIGTERM', () => {
  void app.close().then(() => {
    apps.close();
    process.exit(0);
  });
});
