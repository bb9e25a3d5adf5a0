/**
 * One request must not hold the server thread for all of its fields. A read of 100 aliases of
 * `apps(category: …) { totalCount }` does 200 small statements, 60–100 ms in all on one thread, and a
 * token can send such reads back to back: every other tenant's request waited behind each whole one
 * (issue 17's catalog-cost bench: another token's small read p99 from 17 to ~145 ms). So every list
 * field (a field taking `first`) first asks the request's slice: once the request has run
 * TIME_SLICE_MS since it last gave way, its next list fields wait for one turn of the event loop,
 * in which the requests that arrived meanwhile are served; after the turn the waiting fields run on
 * in order until the next slice is spent. A request shorter than a slice never waits. The list fields
 * read through a DataLoader are marked BATCHED and never wait, so their loads stay one batch.
 */
import { defaultFieldResolver, GraphQLObjectType, type GraphQLSchema } from 'graphql';

/** How long a request runs before its next list field gives way to the requests waiting. */
export const TIME_SLICE_MS = 4;

export class TimeSlice {
  private since = performance.now();
  private turn: Promise<void> | null = null;

  constructor(private readonly sliceMs = TIME_SLICE_MS) {}

  /** Null while the request is within its slice; else the turn of the event loop to wait for (one, shared by every field asking meanwhile). */
  due(): Promise<void> | null {
    if (this.turn) return this.turn;
    if (performance.now() - this.since < this.sliceMs) return null;
    this.turn = new Promise((resolve) =>
      setImmediate(() => {
        this.turn = null;
        this.since = performance.now();
        resolve();
      }),
    );
    return this.turn;
  }
}

/**
 * The extension of a list field read through a per-request DataLoader (App.history, Query.appHistory):
 * never sliced, so the loads of all its parents of one tick stay one batch, one statement.
 */
export const BATCHED = { batched: true } as const;

/** Wraps the resolver of every field taking `first` (every connection) but the BATCHED ones, to wait for its request's slice when due. */
export function sliceListFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.some((arg) => arg.name === 'first') || field.extensions?.batched === true) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: { slice?: TimeSlice }, info) => {
        // Asked again after each turn: the fields that waited resume in order until the next slice is spent.
        const run = (): unknown => {
          const turn = context.slice?.due();
          return turn ? turn.then(run) : resolve(source, args, context, info);
        };
        return run();
      };
    }
  }
  return schema;
}
