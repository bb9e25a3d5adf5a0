/**
 * The Postgres floor (bench/pg-floor.ts) as a server process of its own, so the Postgres section reads
 * its CPU from /proc as it reads the compiled server's, and a floor call pays what any HTTP server
 * pays: the request read, its JSON parsed, the answer serialised and written. Nothing else: no
 * GraphQL, no validation, no auth, no log.
 *
 *   POST /graphql   appgov's own body ({"query":"mutation … approveApps(…) { changed failed { id code } }",
 *                   "variables":{"clientId":…,"ids":[…]}}: approveApps or removeAppApprovals by the
 *                   query's field), answered with the bytes appgov answers.
 *
 * PG_FLOOR_URL (the database), PG_FLOOR_ACTOR (the actor id its events name). Bundled with esbuild
 * (scripts/build.mjs) and started with npm start's node flags; prints "pg floor is serving
 * http://host:port/graphql" once listening.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { pgFloorCall } from './pg-floor';

const url = process.env.PG_FLOOR_URL;
const actorId = process.env.PG_FLOOR_ACTOR;
if (!url || !actorId) throw new Error('usage: PG_FLOOR_URL=<postgres url> PG_FLOOR_ACTOR=<id> node pg-floor-server.mjs');
const pool = new pg.Pool({ connectionString: url, max: 2 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      let status = 200;
      let body: string;
      try {
        const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: { clientId: string; ids: string[] } };
        const field = query.includes('approveApps') ? 'approveApps' : 'removeAppApprovals';
        const result = await pgFloorCall(pool, variables.clientId, actorId, variables.ids, field === 'approveApps');
        body = JSON.stringify({ data: { [field]: { changed: result.changed, failed: result.failed } } });
      } catch (error) {
        status = 500;
        body = JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] });
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    })();
  });
});

const host = process.env.HOST ?? '127.0.0.1';
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), host, () => {
  const address = server.address();
  console.log(`pg floor is serving http://${host}:${typeof address === 'object' && address ? address.port : 0}/graphql`);
});

process.once('SIGTERM', () => {
  server.close(() => void pool.end().finally(() => process.exit(0)));
  server.closeAllConnections();
});
