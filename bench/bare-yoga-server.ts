/**
 * The reference server of the pipeline section (bench/pipeline.ts): plain graphql-yoga 5 with its
 * defaults (parse and validation caches, CORS, masked errors, GraphiQL on GET) and none of appgov's
 * plugins, on node:http, over a four-type schema (createSchema: typeDefs and resolvers) that answers
 *
 *   client(id) { apps(first) { nodes { id name isApproved } } }   one prepared better-sqlite3 statement
 *   { __typename }
 *
 * with the same JSON bytes as appgov, from the same SQLite file (APPGOV_DB) appgov serves. Every
 * request's Authorization header must equal `Bearer <BARE_YOGA_TOKEN>` (one string compare in an
 * onRequest hook; else 401). It does not look the token up, check scopes or the client's existence,
 * rate-limit, limit documents, log requests, count metrics, create loaders, or order resolvers.
 *
 * Bundled with esbuild (scripts/build.mjs) and started with npm start's node flags by the bench;
 * prints "bare yoga is serving http://host:port/graphql" once listening (PORT, HOST as appgov's).
 */
import { createServer } from 'node:http';
import Database from 'better-sqlite3';
import { createSchema, createYoga } from 'graphql-yoga';

const file = process.env.APPGOV_DB;
const token = process.env.BARE_YOGA_TOKEN;
if (!file || !token) throw new Error('usage: APPGOV_DB=<appgov database> BARE_YOGA_TOKEN=<token> node bare-yoga-server.mjs');
const authorization = `Bearer ${token}`;

const db = new Database(file, { fileMustExist: true });
// appgov's first page by name for a client with no directory: the public apps, each with this client's state (or none).
const page = db.prepare<[string, number], { id: string; name: string; approved: 0 | 1 }>(
  `SELECT a.id, a.name, s.resolution IS 'approved' AS approved
   FROM apps AS a LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
   WHERE a.owner_directory_id IS NULL
   ORDER BY lower(a.name), a.id
   LIMIT ?`,
);

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Query { client(id: ID!): Client }
    type Client { apps(first: Int = 10): AppConnection! }
    type AppConnection { nodes: [App!]! }
    type App { id: ID! name: String! isApproved: Boolean! }
  `,
  resolvers: {
    Query: { client: (_: unknown, args: { id: string }) => ({ id: args.id }) },
    Client: {
      apps: (client: { id: string }, args: { first: number }) => ({
        nodes: page.all(client.id, args.first).map((row) => ({ id: row.id, name: row.name, isApproved: row.approved === 1 })),
      }),
    },
  },
});

const yoga = createYoga({
  schema,
  plugins: [
    {
      onRequest({ request, fetchAPI, endResponse }) {
        if (request.headers.get('authorization') !== authorization) {
          endResponse(new fetchAPI.Response('{"errors":[{"message":"unauthorized"}]}', { status: 401, headers: { 'content-type': 'application/json' } }));
        }
      },
    },
  ],
});

const host = process.env.HOST ?? '127.0.0.1';
const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 0), host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`bare yoga is serving http://${host}:${port}/graphql on ${file}`);
});

process.once('SIGTERM', () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
