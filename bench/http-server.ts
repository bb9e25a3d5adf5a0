/**
 * The server for the throughput section, in its own process so the load
 * generator has the other core: src/server.ts's setup (its configuration from
 * the environment, rate limits and HTTP limits included) on a given database,
 * 127.0.0.1, port 0. Started and stopped by bench/http.ts over IPC.
 */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { createHttpServer } from '../src/http';
import { createAppgovYoga } from '../src/yoga';
import { serverLogger } from './server-logger';

export type ServerMessage = { type: 'listening'; port: number } | { type: 'cpu'; micros: number };
export type ParentMessage = { type: 'cpu' } | { type: 'stop' };

const dbPath = process.argv[2];
if (!dbPath || !process.send) throw new Error('usage: forked by bench/http.ts with the database path');
const send = (message: ServerMessage) => process.send!(message);

const config = { ...loadConfig(), dbPath };
const database = openDatabase(dbPath, config);
const server = createHttpServer(createAppgovYoga({ db: database.db, config, file: database.file, logger: serverLogger(config) }), config);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  send({ type: 'listening', port: address.port });
});

process.on('message', (message: ParentMessage) => {
  if (message.type === 'cpu') {
    const used = process.cpuUsage();
    send({ type: 'cpu', micros: used.user + used.system });
  } else {
    server.close(() => {
      database.close();
      process.disconnect();
    });
    server.closeAllConnections();
  }
});
