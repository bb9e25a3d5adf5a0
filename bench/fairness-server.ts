/** The server for bench/fairness.ts, in its own process: src/server.ts's setup on a given database, port 0. */
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createAppgovYoga } from '../src/yoga';
import { serverLogger } from './server-logger';
import { createHttpServer } from '../src/http';

const dbPath = process.argv[2];
if (!dbPath || !process.send) throw new Error('usage: forked by bench/fairness.ts with the database path');
const config = { ...loadConfig(), dbPath };
const database = openDatabase(dbPath, config);
const logger = serverLogger(config);
// As src/server.ts: the bulk calls run in the writer thread unless APPGOV_WRITE_WORKER=0.
const writer = startWriter(database, config, logger);
const server = createHttpServer(createAppgovYoga({ db: database.db, config, logger, file: database.file, writer }), config);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  process.send!({ port: address.port });
});
process.on('message', () => {
  server.close(() => {
    database.close();
    void writer.close().then(() => process.disconnect());
  });
  server.closeAllConnections();
});
