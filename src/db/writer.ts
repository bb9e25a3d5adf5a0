import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger as SqlQueryLogger } from 'drizzle-orm/logger';
import type { Logger } from '../observability/logger';
import type { Config } from '../config';
import type { Db, DbSync, OpenedDatabase } from './open';
import { WRITE_OPS, type WriteInput, type WriteOp, type WriteResult } from './write-ops';
import { fromWire, type WriteCall, type WriteReply, type WriterData } from './writer-protocol';

/**
 * Where the long writes (WRITE_OPS: the bulk decisions) run. The server is one
 * thread; a 1,000-id bulk call is one synchronous transaction of tens of ms,
 * and every request arriving meanwhile used to wait for it. In the writer
 * thread the transaction runs on a connection of its own while the main
 * thread goes on serving: reads never wait for a writer in WAL mode.
 * A write is answered only after it committed, and a later read on the main
 * connection starts a new read transaction, so it sees the write.
 */
export interface Writer {
  /** 'worker': a thread of its own; 'in-thread': on the caller's thread (an in-memory database, or APPGOV_WRITE_WORKER=0). */
  readonly where: 'worker' | 'in-thread';
  run<K extends WriteOp>(op: K, input: WriteInput<K>): Promise<WriteResult<K>>;
  /** Stops the thread (after the calls under way); calls after this are refused. */
  close(): Promise<void>;
}

type AnyOp = (db: Db, input: unknown) => unknown;

/** The writes on the caller's thread, as before: an in-memory database cannot be shared with another connection. */
export function inThreadWriter(db: Db): Writer {
  return {
    where: 'in-thread',
    run: async (op, input) => (WRITE_OPS[op] as AnyOp)(db, input) as WriteResult<typeof op>,
    close: async () => {},
  };
}

export interface WorkerWriterOptions {
  /** The database file (already opened and migrated by the main thread). */
  path: string;
  /** The writer connection's busy timeout: it sleeps only its own thread, and busy writes are retried by the caller (busy.ts). */
  busyTimeoutMs: number;
  /** APPGOV_DB_SYNC: the writer connection's `synchronous`, as the main connection's (default full). */
  dbSync?: DbSync;
  /** Where a failure of the thread itself is logged. */
  logger: Logger;
  /** APPGOV_LOG_SQL: the writer's statements are logged here, as the main connection's are. */
  sqlLogger?: SqlQueryLogger;
  /** What the thread is called in its log lines and errors: the writer (default) or the scanner (see startScanner). */
  thread?: 'writer' | 'scanner';
}

const ENTRY = fileURLToPath(new URL('./writer-worker.ts', import.meta.url));

/** Set by scripts/build.mjs in the compiled server: the thread's own bundle, beside the server's. Undeclared under tsx. */
declare const APPGOV_WRITER_BUNDLE: string | undefined;

/** The thread's code: the compiled server's prebuilt file, or source bundled here (under tsx and in tests). */
type WorkerCode = { file: string } | { source: string };

/**
 * The thread's code, bundled by esbuild into one plain-JavaScript file (once
 * per process, ~0.2 s): a worker cannot run TypeScript itself, and loading tsx
 * in it (its loader, esbuild's API, a hooks thread) cost ~15 MB more than the
 * bundle. better-sqlite3 (native) stays a package import, by absolute URL;
 * each module keeps its own import.meta.url (open.ts finds drizzle/ by it).
 */
let bundled: Promise<WorkerCode> | undefined;
function bundleWorker(): Promise<WorkerCode> {
  bundled ??= (async () => {
    if (typeof APPGOV_WRITER_BUNDLE === 'string') return { file: fileURLToPath(new URL(APPGOV_WRITER_BUNDLE, import.meta.url)) };
    // Loaded only here: the compiled server never needs esbuild at run time.
    const { build } = await import('esbuild');
    const require = createRequire(import.meta.url);
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'appgov-writer',
          setup(on) {
            on.onResolve({ filter: /^better-sqlite3$/ }, (args) => ({ path: pathToFileURL(require.resolve(args.path)).href, external: true }));
            on.onLoad({ filter: /\.ts$/ }, async (args) => ({
              contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: 'ts',
            }));
          },
        },
      ],
    });
    return { source: result.outputFiles[0]!.text };
  })();
  return bundled;
}

/** Closing waits this long for the thread to close its connection before stopping it. */
const CLOSE_GRACE_MS = 2000;

/**
 * The writes in one worker thread, one at a time in arrival order. The thread
 * starts now (loading it takes a while, better not on the first call); if it
 * dies, the calls under way fail as unexpected errors and the next call
 * starts a new one. It does not keep the process alive when idle.
 */
export function workerWriter(options: WorkerWriterOptions): Writer {
  const thread = options.thread ?? 'writer';
  const data: WriterData = { path: options.path, busyTimeoutMs: options.busyTimeoutMs, dbSync: options.dbSync ?? 'full', logSql: Boolean(options.sqlLogger) };
  let worker: Worker | null = null;
  let closed = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();

  const failAll = (from: Worker, error: Error) => {
    if (worker !== from) return;
    worker = null;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };

  const start = (code: WorkerCode): Worker => {
    let file: string;
    let removeFile = () => {};
    if ('file' in code) file = code.file;
    else {
      // A file in a private folder (a stack trace names it, as a data: URL would not), removed once the thread has loaded it.
      const dir = mkdtempSync(join(tmpdir(), 'appgov-writer-'));
      file = join(dir, 'writer-worker.mjs');
      writeFileSync(file, code.source);
      removeFile = () => rmSync(dir, { recursive: true, force: true });
    }
    // No execArgv: under `tsx` the thread would inherit tsx's loader, which the bundle does not need.
    const started = new Worker(file, { workerData: data, execArgv: [] });
    started.unref();
    started.on('message', (reply: WriteReply) => {
      if ('ready' in reply) {
        removeFile();
        return;
      }
      if ('sql' in reply) {
        options.sqlLogger?.logQuery(reply.sql, reply.params);
        return;
      }
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.ok) call.resolve(reply.value);
      else call.reject(fromWire(reply.error));
    });
    started.on('error', (error) => {
      options.logger.error({ err: error }, `${thread} thread failed`);
      failAll(started, error);
    });
    started.on('exit', (code) => {
      removeFile();
      failAll(started, new Error(`The ${thread} thread exited (code ${code}).`));
    });
    return started;
  };
  const send = (target: Worker, op: WriteOp, input: unknown): Promise<any> => {
    const id = nextId++;
    const call: WriteCall = { id, op, input };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) target.ref();
      try {
        target.postMessage(call);
      } catch (error) {
        pending.delete(id);
        reject(error);
      }
    });
  };

  const code = bundleWorker();
  code.then(
    (workerCode) => {
      if (!closed) worker ??= start(workerCode);
    },
    (error: unknown) => options.logger.error({ err: error }, `cannot build the ${thread} thread`),
  );

  return {
    where: 'worker',
    run(op, input) {
      if (closed) return Promise.reject(new Error('The writer is closed.'));
      // Posted at once when the thread runs, so a call made before close() is answered before the thread stops.
      if (worker) return send(worker, op, input);
      return code.then((workerCode) => {
        if (closed) throw new Error('The writer is closed.');
        return send((worker ??= start(workerCode)), op, input);
      });
    },
    async close() {
      closed = true;
      const stopping = worker;
      if (!stopping) return;
      // Calls under way finish first: the thread handles messages in order, 'close' last.
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.ref();
      stopping.postMessage('close');
      const timer = setTimeout(() => void stopping.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The writer the server uses: the writer thread for a database file, unless
 * APPGOV_WRITE_WORKER=0; on this thread for an in-memory database, which
 * another connection cannot open. `thread: 'scanner'` starts the scanner (startScanner).
 */
export function startWriter(
  database: Pick<OpenedDatabase, 'db' | 'file'>,
  config: Pick<Config, 'writeWorker' | 'dbBusyTimeoutMs'> & Partial<Pick<Config, 'dbSync'>>,
  logger: Logger,
  sqlLogger?: SqlQueryLogger,
  thread: 'writer' | 'scanner' = 'writer',
): Writer {
  if (!config.writeWorker || !database.file) return inThreadWriter(database.db);
  return workerWriter({ path: database.file.path, busyTimeoutMs: config.dbBusyTimeoutMs, dbSync: config.dbSync ?? 'full', logger, thread, ...(sqlLogger ? { sqlLogger } : {}) });
}

/**
 * Where the priced catalog searches run (Client.apps' `search` without a state filter, services/apps.ts): a
 * second thread of the same code, with a connection of its own, running the read it is sent (WRITE_OPS.scanRows)
 * one at a time. A search reads every app the client may see, 200 ms at 200,000 apps; on the thread that
 * serves every request, each one stalled every tenant (issue 17's catalog-cost bench: another token's small
 * read p99 from 19 to 412 ms). Off it, the server thread answers others meanwhile. Reads never wait for a
 * writer in WAL mode. On this thread, as the writer, for an in-memory database or APPGOV_WRITE_WORKER=0.
 */
export function startScanner(
  database: Pick<OpenedDatabase, 'db' | 'file'>,
  config: Pick<Config, 'writeWorker' | 'dbBusyTimeoutMs'> & Partial<Pick<Config, 'dbSync'>>,
  logger: Logger,
  sqlLogger?: SqlQueryLogger,
): Writer {
  return startWriter(database, config, logger, sqlLogger, 'scanner');
}
