/**
 * The writer thread (see writer.ts): its own connection to the database file,
 * running one write at a time, each its one synchronous transaction as on the
 * main thread. Loads the services and the database, nothing of the GraphQL
 * server: every module here is memory in a second V8 isolate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open';
import { WRITE_OPS } from './write-ops';
import { toWire, type WriteCall, type WriteReply, type WriterData } from './writer-protocol';

const port = parentPort!;
const data = workerData as WriterData;
const send = (reply: WriteReply) => port.postMessage(reply);

const database = openDatabase(data.path, {
  dbBusyTimeoutMs: data.busyTimeoutMs,
  dbSync: data.dbSync,
  ...(data.logSql ? { logger: { logQuery: (sql: string, params: unknown[]) => send({ sql, params }) } } : {}),
});

send({ ready: true });

port.on('message', (message: WriteCall | 'close') => {
  if (message === 'close') {
    database.close();
    port.close();
    return;
  }
  let reply: WriteReply;
  try {
    const run = WRITE_OPS[message.op] as (db: typeof database.db, input: unknown) => unknown;
    reply = { id: message.id, ok: true, value: run(database.db, message.input) };
  } catch (error) {
    reply = { id: message.id, ok: false, error: toWire(error) };
  }
  try {
    send(reply);
  } catch (error) {
    // A result that cannot be cloned is a bug: answered as an unexpected error rather than a dead thread.
    send({ id: message.id, ok: false, error: toWire(error) });
  }
});
