/**
 * The bulk section's floors (bench/floor.ts on appgov's schema, bench/minimal-floor.ts on the least
 * schema) as a server process of their own, so the bench reads their CPU from /proc the way it reads
 * appgov's (bench/cpu.ts) and a floor call pays what any HTTP server pays: the request read, its JSON
 * parsed, the answer serialised and written. Nothing else: no GraphQL, no validation, no auth, no log.
 *
 *   POST /floor-set | /floor-row | /minimal-set | /minimal-row
 *
 * takes the very body appgov's POST /graphql takes (`{"query":"mutation … approveApps(…) …","variables":
 * {"clientId":…,"appIds":[…]}}`: approveApps or removeAppApprovals by the query's field), runs that
 * floor shape on its own file in one immediate transaction and answers the bytes appgov answers
 * (`{"data":{"approveApps":{"succeeded":[…],"failed":[{"id","error","code"}]}}}`). The floor call's own
 * time (the SQL, in-process) is in the x-floor-us header.
 *
 * Bundled with esbuild (scripts/build.mjs) and started with npm start's node flags by bench/bulk.ts;
 * FLOOR_CONFIG (JSON: the four files and their actors, the client, APPGOV_DB_SYNC's value) says what to open.
 * Prints "floor is serving http://host:port/graphql" once listening (PORT, HOST).
 */
import { createServer } from 'node:http';
import { openDatabase, type DbSync } from '../src/db/open';
import { perRowFloor, setBasedFloor, type FloorCall } from './floor';
import { openMinimalFloor } from './minimal-floor';

export interface FloorServerConfig {
  clientId: string;
  dbSync: DbSync;
  /** Each shape's own file, and the token its history names as the actor (the file's own token: history's actor_id refers to it). */
  files: Record<FloorShape, { path: string; actorId: string }>;
}

export type FloorShape = 'floor-set' | 'floor-row' | 'minimal-set' | 'minimal-row';

const raw = process.env.FLOOR_CONFIG;
if (!raw) throw new Error('usage: FLOOR_CONFIG=<json> node floor-server.mjs (started by bench/bulk.ts)');
const config = JSON.parse(raw) as FloorServerConfig;

const { files, clientId, dbSync } = config;
const actor = (shape: FloorShape) => ({ tokenId: files[shape].actorId, kind: 'internal' as const, name: 'bench token' });
const today = {
  set: openDatabase(files['floor-set'].path, { dbSync }),
  row: openDatabase(files['floor-row'].path, { dbSync }),
};
const minimal = {
  set: openMinimalFloor(files['minimal-set'].path, clientId, files['minimal-set'].actorId, dbSync),
  row: openMinimalFloor(files['minimal-row'].path, clientId, files['minimal-row'].actorId, dbSync),
};
const calls: Record<FloorShape, FloorCall> = {
  'floor-set': setBasedFloor(today.set.sqlite, clientId, actor('floor-set')),
  'floor-row': perRowFloor(today.row.sqlite, clientId, actor('floor-row')),
  'minimal-set': minimal.set.setBased,
  'minimal-row': minimal.row.perRow,
};

const server = createServer((req, res) => {
  const call = calls[(req.url ?? '').slice(1) as FloorShape];
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let status = 200;
    let body: string;
    let floorUs = 0;
    try {
      if (!call || req.method !== 'POST') throw new Error(`no floor at ${req.method} ${req.url}`);
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: { appIds: string[] } };
      const approve = query.includes('approveApps');
      const started = performance.now();
      const result = call(variables.appIds, approve);
      floorUs = (performance.now() - started) * 1000;
      body = JSON.stringify({ data: { [approve ? 'approveApps' : 'removeAppApprovals']: { succeeded: result.succeeded, failed: result.failed } } });
    } catch (error) {
      status = 500;
      body = JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] });
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-floor-us': floorUs.toFixed(0) });
    res.end(body);
  });
});

const host = process.env.HOST ?? '127.0.0.1';
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`floor is serving http://${host}:${port}/graphql (POST /${Object.keys(calls).join(', /')})`);
});

process.once('SIGTERM', () => {
  server.close(() => {
    today.set.close();
    today.row.close();
    minimal.set.close();
    minimal.row.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
