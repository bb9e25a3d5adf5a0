/** The server for bench/fairness.ts, in its own process: src/server.ts's setup on a given database, port 0. */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { createAppgovYoga } from '../src/yoga';
import { serverLogger } from './server-logger';
import { createHttpServer } from '../src/http';

const dbPath = process.argv[2];
if (!dbPath || !process.send) throw new Error('usage: forked by bench/fairness.ts with the database path');
const config = { ...loadConfig(), dbPath };
const database = openDatabase(dbPath, config);
const server = createHttpServer(createAppgovYoga({ db: database.db, config, logger: serverLogger(config) }), config);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  process.send!({ port: address.port });
});
process.on('message', () => {
  server.close(() => {
    database.close();
    process.disconnect();
  });
  server.closeAllConnections();
});
