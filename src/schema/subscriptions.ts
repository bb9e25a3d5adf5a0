/**
 * Live events: GraphQL subscriptions, served over Server-Sent Events (graphql-yoga's transport:
 * POST or GET /graphql with `Accept: text/event-stream`). Each stream reads its client's history
 * after its own position, oldest first, in commit order (services/history-live.ts); src/live/hub.ts
 * only says when to read again. So a stream sees every event exactly once, in order, whichever
 * instance or process committed it, and `after` resumes exactly where a dropped stream stopped.
 */
import { authorizeClient, authorizeWorkspace } from '../auth/access';
import type { HistoryEventType } from '../db/schema';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '../errors';
import type { Context } from '../context';
import { createLoaders } from '../loaders';
import { remoteAddressOf } from '../rate-limit';
import { decodeHistoryCursor, historyListOf, toEvent, type HistoryEvent } from '../services/history';
import type { HistoryPosition, HistoryRow } from '../services/history-seek';
import { isUuid } from '../services/ids';
import type { InstallRequest } from '../services/install-requests';
import { builder } from './builder';
import { AppHistoryEventRef, AppHistoryEventTypeEnum } from './history';
import { InstallRequestRef } from './install-requests';

/** Events one read of a stream hands over at most: a long replay comes in reads of this size. */
export const LIVE_BATCH = 100;

const INSTALL_REQUEST_TYPES: HistoryEventType[] = ['INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_RESOLVED', 'INSTALL_REQUEST_CANCELLED'];

/** What a stream's source hands the field: a value, or the coded error that ends the stream. */
type Payload<T> = { value: T } | { error: Error };

interface StreamSpec<T> {
  clientId: string;
  appId: string | null;
  types: HistoryEventType[] | null;
  workspaceId: string | null;
  after: HistoryPosition;
  /** The values a read's events become (in order; fewer when some are filtered out), for the subscriber's fresh context. */
  emit: Emit<T>;
}

type Emit<T> = (rows: HistoryRow[], ctx: Context, spec: Pick<StreamSpec<T>, 'clientId' | 'appId' | 'types'>) => Promise<T[]> | T[];

/**
 * A subscription is a stream: asked for over a plain JSON request, it would hold the request open
 * with nothing to show. Refused instead, before anything is opened.
 */
function requireStream(ctx: Context): void {
  const accept = ctx.request.headers.get('accept') ?? '';
  if (!/text\/event-stream|multipart\/mixed/i.test(accept)) {
    throw new BadUserInputError('A subscription is served as a stream: send it with the header Accept: text/event-stream (Server-Sent Events)', {
      field: 'Accept',
    });
  }
}

function hubOf(ctx: Context) {
  if (!ctx.live) throw new Error('live events are not configured on this server');
  return ctx.live;
}

/**
 * Checks the token again (revoked or expired since the stream opened: the stream ends with
 * UNAUTHENTICATED) and its reach over the client, before every read that found events.
 */
async function recheck(ctx: Context, clientId: string): Promise<void> {
  const principal = await ctx.store.resolvePrincipal(ctx.request.headers.get('authorization'));
  if (!principal) throw new UnauthenticatedError();
  await authorizeClient(ctx.store, principal, clientId, 'apps:read');
}

/**
 * The stream: reads after its position, LIVE_BATCH at a time, then waits for a wake-up. Its
 * `return` (the subscriber went away, or the server closes) ends the wait at once.
 */
function liveSource<T>(ctx: Context, spec: StreamSpec<T>): AsyncIterableIterator<Payload<T>> {
  const principal = ctx.principal!;
  const hub = hubOf(ctx);
  const stream = hub.open(spec.clientId, `token:${principal.tokenId}`, remoteAddressOf(ctx), spec.after);
  ctx.request.signal?.addEventListener('abort', () => stream.close(), { once: true });
  async function* run(): AsyncGenerator<Payload<T>> {
    try {
      while (!stream.closed) {
        const head = stream.takeHead();
        const read = { clientId: spec.clientId, appId: spec.appId, types: spec.types, after: stream.position, first: LIVE_BATCH };
        const rows = await hub.share(`read ${JSON.stringify(read)}`, () => ctx.store.historyAfter(read));
        if (rows.length > 0) {
          try {
            await hub.share(`check ${spec.clientId} ${ctx.request.headers.get('authorization')}`, () => recheck(ctx, spec.clientId));
          } catch (error) {
            yield { error: error as Error };
            return;
          }
          const last = rows[rows.length - 1]!;
          stream.position = { at: last.created_at, clientSeq: last.client_seq };
          // Fresh loaders per read: a stream lives for hours, and what it shows must be read now.
          ctx.loaders = createLoaders(ctx.store);
          const matching = spec.workspaceId === null ? rows : rows.filter((row) => workspaceOf(row) === spec.workspaceId);
          for (const value of await spec.emit(matching, ctx, spec)) {
            if (stream.closed) return;
            yield { value };
          }
          if (rows.length === LIVE_BATCH) continue;
        }
        // Came back short: everything committed before the read began is seen, the woken-for head included.
        if (head && head.clientSeq > stream.position.clientSeq) stream.position = head;
        if ((await stream.wait()) === 'closed') return;
      }
    } finally {
      stream.close();
    }
  }
  const inner = run();
  return {
    next: () => inner.next(),
    return: (value?: unknown) => {
      stream.close();
      return inner.return(value as Payload<T>);
    },
    throw: (error?: unknown) => {
      stream.close();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function workspaceOf(row: HistoryRow): string | null {
  const data = JSON.parse(row.data) as { workspaceId?: string | null };
  return data.workspaceId ?? null;
}

/** The payload's value, or the error that ends the stream (coded, as any field error). */
function valueOf<T>(payload: Payload<T>): T {
  if ('error' in payload) throw payload.error;
  return payload.value;
}

/**
 * Where `after` resumes: an event id of this client, or a history cursor of it (from
 * Client.history or App.history / appHistory without since/until). Absent: the head, now.
 */
async function startOf(ctx: Context, clientId: string, appId: string | null, types: HistoryEventType[] | null, after: string | null | undefined): Promise<HistoryPosition> {
  if (after === null || after === undefined) {
    const heads = await ctx.store.historyHeads([clientId]);
    const head = heads.get(clientId);
    if (!head) throw new NotFoundError('Client not found');
    return head;
  }
  if (isUuid(after)) {
    const position = await ctx.store.eventPosition(after.toLowerCase());
    if (!position || position.clientId !== clientId) {
      throw new BadUserInputError('after names no event of this client', { field: 'after' });
    }
    return { at: position.at, clientSeq: position.clientSeq };
  }
  const lists = [null, appId].flatMap((app) => [null, types].map((t) => ({ clientId, appId: app, filter: { types: t, since: null, until: null } })));
  for (const list of lists) {
    try {
      const decoded = decodeHistoryCursor(after, list);
      if (decoded && 'clientSeq' in decoded) return decoded;
    } catch {
      // Not this list's cursor: try the next.
    }
  }
  throw new BadUserInputError(
    'after must be the id of an event of this client, or a history cursor of this client (Client.history, App.history or appHistory, without since/until)',
    { field: 'after' },
  );
}

const eventsOf: Emit<HistoryEvent> = (rows, _ctx, { clientId, appId, types }) => {
  const list = historyListOf({ clientId, appId, filter: { types, since: null, until: null } });
  return rows.map((row) => toEvent(row, list));
};

/**
 * What both subscriptions do before they stream: refuse a request that is not a stream, check
 * the token's reach over the client (and the workspace's, when one is named), narrow the events
 * (`scope`, given the client's id), and find where `after` resumes.
 */
async function follow<T>(
  ctx: Context,
  args: { clientId: string; workspaceId?: string | null; after?: string | null },
  scope: (clientId: string) => Promise<{ appId: string | null; types: HistoryEventType[] | null }>,
  emit: Emit<T>,
): Promise<AsyncIterableIterator<Payload<T>>> {
  requireStream(ctx);
  const { clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'apps:read');
  const { appId, types } = await scope(clientId);
  const workspaceId = args.workspaceId ? await workspaceOfClient(ctx, clientId, args.workspaceId) : null;
  const after = await startOf(ctx, clientId, appId, types, args.after);
  return liveSource<T>(ctx, { clientId, appId, types, workspaceId, after, emit });
}

builder.subscriptionType({
  description:
    'Live events, over Server-Sent Events (`Accept: text/event-stream` on /graphql; GraphiQL speaks it). Each stream needs the apps:read scope and reads its client\'s history in commit order: every event exactly once, whichever instance or process committed it. Streams per token and per address are bounded (APPGOV_MAX_STREAMS_PER_TOKEN, APPGOV_MAX_STREAMS_PER_ADDRESS; RATE_LIMITED beyond); a comment line keeps an idle stream open every 12 s; a revoked or expired token ends its stream with UNAUTHENTICATED at the next event.',
});

builder.subscriptionField('historyEvents', (t) =>
  t.field({
    type: AppHistoryEventRef,
    description:
      "Every new history event of a client, oldest first (commit order), optionally of one app, one workspace or some types. With `after` (the id of the last event you saw, or a history cursor of this client) it first replays what you missed, then goes live, with no gap and no duplicate at the seam; without, it starts now. A replay comes in reads of 100 events. Events of another instance arrive at once on Postgres (LISTEN/NOTIFY), those of another process on a SQLite file within APPGOV_LIVE_POLL_MS (default 1 s). Errors: as Client.history (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT for a malformed id, `after` or `types`), BAD_USER_INPUT with field Accept for a request that does not ask for a stream (`Accept: text/event-stream`), RATE_LIMITED for too many open streams, UNAVAILABLE from a server that is shutting down.",
    args: {
      clientId: t.arg.id({ required: true, description: 'The client whose history to follow.' }),
      appId: t.arg.id({ description: 'Only events of this app.' }),
      workspaceId: t.arg.id({ description: "Only events about this workspace (its decisions, voided approvals, install requests and expiries). A workspace of another client is NOT_FOUND." }),
      types: t.arg({ type: [AppHistoryEventTypeEnum], description: 'Only events of these types; absent for all. An empty list is refused.' }),
      after: t.arg.string({ description: 'Resume after this event: its id, or a history cursor of this client.' }),
    },
    subscribe: (_root, args, ctx) =>
      follow(
        ctx,
        args,
        async (clientId) => {
          if (args.types && args.types.length === 0) {
            throw new BadUserInputError('types must name at least one event type, or be omitted for all types', { field: 'types' });
          }
          return {
            appId: args.appId ? (await ctx.store.getClientApp(clientId, args.appId)).id : null,
            types: args.types ? [...new Set(args.types)] : null,
          };
        },
        eventsOf,
      ),
    resolve: (payload: Payload<HistoryEvent>) => valueOf(payload),
  }),
);

/** The workspace's id when it is this client's; NOT_FOUND otherwise (as for an unknown one). */
async function workspaceOfClient(ctx: Context, clientId: string, rawWorkspaceId: string): Promise<string> {
  const { workspace } = await authorizeWorkspace(ctx.store, ctx.principal, rawWorkspaceId, 'apps:read');
  if (workspace.clientId !== clientId) throw new NotFoundError('Workspace not found', { field: 'workspaceId' });
  return workspace.id;
}

builder.subscriptionField('installRequests', (t) =>
  t.field({
    type: InstallRequestRef,
    description:
      "Install requests of a client (or of one workspace) as they are created, resolved and cancelled, oldest first: each as it stood right after that change (status, resolvedAt, resolvedBy). Starts now, or after `after` (an event id or history cursor, as historyEvents). Needs the apps:read scope; the same bounds and errors as historyEvents.",
    args: {
      clientId: t.arg.id({ required: true, description: 'The client whose requests to follow.' }),
      workspaceId: t.arg.id({ description: 'Only requests made in this workspace. A workspace of another client is NOT_FOUND.' }),
      after: t.arg.string({ description: 'Resume after this event: its id, or a history cursor of this client.' }),
    },
    subscribe: (_root, args, ctx) => follow(ctx, args, async () => ({ appId: null, types: INSTALL_REQUEST_TYPES }), requestsAsOf),
    resolve: (payload: Payload<InstallRequest>) => valueOf(payload),
  }),
);

/**
 * Each event's request as it stood right after the event, from ONE read of the requests (what
 * never changes: app, scopes, message, requester, createdAt) and the event (status, when, by whom).
 */
async function requestsAsOf(rows: HistoryRow[], ctx: Context): Promise<InstallRequest[]> {
  const events = rows.map((row) => ({ row, data: JSON.parse(row.data) as { requestId: string; status?: 'approved' | 'restricted' } }));
  const ids = [...new Set(events.map((e) => e.data.requestId))];
  const found = await ctx.store.findInstallRequests(ids);
  const byId = new Map(ids.map((id, i) => [id, found[i]]));
  return events.flatMap(({ row, data }): InstallRequest[] => {
    const request = byId.get(data.requestId);
    if (!request) return [];
    if (row.type === 'INSTALL_REQUEST_CREATED') return [{ ...request, status: 'pending' as const, resolvedAt: null, resolvedBy: null }];
    const status = row.type === 'INSTALL_REQUEST_CANCELLED' ? ('cancelled' as const) : data.status!;
    return [{ ...request, status, resolvedAt: new Date(row.created_at), resolvedBy: row.actor_name }];
  });
}
