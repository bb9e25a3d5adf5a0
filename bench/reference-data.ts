/**
 * What every reference server of the pipeline section (bench/pipeline.ts) shares, so they differ only
 * in their framework: the environment they are started with, the small read's one prepared
 * better-sqlite3 statement on appgov's own file, and the four-type schema that serves
 *
 *   client(id) { apps(first) { nodes { id name isApproved } } }
 *   { __typename }
 *
 * with the same JSON bytes as appgov. It does not look the token up, check scopes or the client's
 * existence, rate-limit, limit documents, log requests, count metrics, create loaders, or order
 * resolvers: each server compares the Authorization header with one string (else 401).
 */
import Database from 'better-sqlite3';

export interface ReferenceEnv {
  file: string;
  /** `Bearer <token>`, the header every request must carry. */
  authorization: string;
  host: string;
  port: number;
}

export function referenceEnv(script: string): ReferenceEnv {
  const file = process.env.APPGOV_DB;
  const token = process.env.REFERENCE_TOKEN;
  if (!file || !token) throw new Error(`usage: APPGOV_DB=<appgov database> REFERENCE_TOKEN=<token> node ${script}`);
  return { file, authorization: `Bearer ${token}`, host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) };
}

export interface AppNode {
  id: string;
  name: string;
  isApproved: boolean;
}

/** appgov's first page by name for a client with no directory: the public apps, each with this client's state (or none). */
export function openAppsPage(file: string): { page(clientId: string, first: number): AppNode[]; close(): void } {
  const db = new Database(file, { fileMustExist: true });
  const statement = db.prepare<[string, number], { id: string; name: string; approved: 0 | 1 }>(
    `SELECT a.id, a.name, s.resolution IS 'approved' AS approved
     FROM apps AS a LEFT JOIN client_app_states AS s ON s.client_id = ? AND s.app_id = a.id
     WHERE a.owner_directory_id IS NULL
     ORDER BY lower(a.name), a.id
     LIMIT ?`,
  );
  return {
    page: (clientId, first) => statement.all(clientId, first).map((row) => ({ id: row.id, name: row.name, isApproved: row.approved === 1 })),
    close: () => db.close(),
  };
}

export const TYPE_DEFS = /* GraphQL */ `
  type Query { client(id: ID!): Client }
  type Client { apps(first: Int = 10): AppConnection! }
  type AppConnection { nodes: [App!]! }
  type App { id: ID! name: String! isApproved: Boolean! }
`;

/** graphql-tools style resolvers (graphql-yoga's createSchema and Mercurius take them alike). */
export function referenceResolvers(page: (clientId: string, first: number) => AppNode[]) {
  return {
    Query: { client: (_: unknown, args: { id: string }) => ({ id: args.id }) },
    Client: { apps: (client: { id: string }, args: { first: number }) => ({ nodes: page(client.id, args.first) }) },
  };
}

export const UNAUTHORIZED = '{"errors":[{"message":"unauthorized"}]}';

/** The line the bench waits for (bench/postgres-http.ts: startBenchServer). */
export const banner = (what: string, env: ReferenceEnv, port: number) => `${what} is serving http://${env.host}:${port}/graphql on ${env.file}`;
