/**
 * The server for the throughput section, in its own process so the load
 * generator has the other core: src/server.ts's setup (its configuration from
 * the environment, rate limits and HTTP limits included) on a given database,
 * 127.0.0.1, port 0. Started and stopped by bench/http.ts over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createHttpServer } from '../src/http';
import { createAppgovYoga } from '../src/yoga';
import { serverLogger } from './server-logger';

export type ServerMessage = { type: 'listening'; port: number } | { type: 'cpu'; micros: number } | { type: 'profiling' } | { type: 'profiled' };
/** `profile-start` / `profile-stop`: a CPU profile of the requests in between, written to `file` (bench/http-profile.ts). */
export type ParentMessage = { type: 'cpu' } | { type: 'stop' } | { type: 'profile-start' } | { type: 'profile-stop'; file: string };

const dbPath = process.argv[2];
if (!dbPath || !process.send) throw new Error('usage: forked by bench/http.ts with the database path');
const send = (message: ServerMessage) => process.send!(message);

const config = { ...loadConfig(), dbPath };
const database = openDatabase(dbPath, config);
const logger = serverLogger(config);
// As src/server.ts: the bulk calls run in the writer thread unless APPGOV_WRITE_WORKER=0.
const writer = startWriter(database, config, logger);
const server = createHttpServer(createAppgovYoga({ db: database.db, config, file: database.file, logger, writer }), config);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  send({ type: 'listening', port: address.port });
});

let inspector: Session | null = null;

process.on('message', async (message: ParentMessage) => {
  if (message.type === 'cpu') {
    const used = process.cpuUsage();
    send({ type: 'cpu', micros: used.user + used.system });
  } else if (message.type === 'profile-start') {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    send({ type: 'profiling' });
  } else if (message.type === 'profile-stop') {
    const { profile } = await inspector!.post('Profiler.stop');
    writeFileSync(message.file, JSON.stringify(profile));
    inspector!.disconnect();
    send({ type: 'profiled' });
  } else {
    server.close(() => {
      database.close();
      void writer.close().then(() => process.disconnect());
    });
    server.closeAllConnections();
  }
});
