import type { Context } from '../context';
import { GraphQLObjectType, GraphQLSchema, type GraphQLFieldConfigMap } from 'graphql';
import { UnavailableError } from '../errors';
import { isBusyError } from './sqlite-errors';

// Kept apart from this module (which needs graphql) so the writer thread can classify errors too.
export { isBusyError, sqliteCode } from './sqlite-errors';

const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 100;


/** The one place a write gives up on the lock (a metrics counter belongs here). */
function busyRefusal(deadlineMs: number): UnavailableError {
  const retryAfter = Math.max(1, Math.ceil(deadlineMs / 1000));
  return new UnavailableError(`The database is busy with another writer; nothing was written. Retry after ${retryAfter} s.`, retryAfter);
}

/**
 * Runs a synchronous write (one transaction); while the database is busy it
 * waits on a timer, off the event loop, with doubling backoff, and tries
 * again until `deadlineMs` has passed. Then it refuses with UNAVAILABLE (503,
 * Retry-After). A busy attempt wrote nothing (its transaction rolled back),
 * so repeating it is safe.
 */
export async function retryWhileBusy<T>(
  work: () => T | Promise<T>,
  deadlineMs: number,
  /** Told of every wait (seconds), for the busy-wait metrics. */
  onWait?: (seconds: number) => void,
): Promise<T> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
    try {
      return await work();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      const left = giveUpAt - Date.now();
      if (left <= 0) throw busyRefusal(deadlineMs);
      const wait = Math.min(backoff, left);
      onWait?.(wait / 1000);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * The schema with every Mutation field run through retryWhileBusy. Each
 * mutation field is one synchronous transaction, so a retry repeats exactly
 * the field that found the lock taken, never one that committed. Reads need
 * no retry: in WAL mode they never wait for a writer.
 */
export function withWriteRetry(schema: GraphQLSchema, deadlineMs: number): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation) return schema;
  const config = mutation.toConfig();
  const fields: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const [name, field] of Object.entries(config.fields)) {
    const resolve = field.resolve;
    fields[name] = resolve
      ? {
          ...field,
          resolve: (source, args, context, info) =>
            retryWhileBusy(() => resolve(source, args, context, info), deadlineMs, (seconds) =>
              (context as Partial<Pick<Context, 'metrics'>>).metrics?.recordDatabaseBusyWait(seconds),
            ),
        }
      : field;
  }
  const retrying = new GraphQLObjectType({ ...config, fields });
  const schemaConfig = schema.toConfig();
  return new GraphQLSchema({
    ...schemaConfig,
    mutation: retrying,
    types: schemaConfig.types.map((type) => (type === mutation ? retrying : type)),
  });
}
