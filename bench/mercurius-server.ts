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
import mercurius from 'mercurius';
import { serveOnFastify } from './fastify-reference';
import { openAppsPage, referenceEnv, referenceResolvers, TYPE_DEFS } from './reference-data';

const env = referenceEnv('mercurius-server.mjs');
const jit = process.env.REFERENCE_JIT === '1';
const apps = openAppsPage(env.file);

await serveOnFastify(env, jit ? 'mercurius with jit' : 'mercurius', apps.close, async (app) => {
  await app.register(mercurius, { schema: TYPE_DEFS, resolvers: referenceResolvers(apps.page), graphiql: false, ...(jit ? { jit: 1 } : {}) });
});
