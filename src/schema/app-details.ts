import { authorizeClient } from '../auth/access';
import { AppRef, RiskLevelEnum } from './app';
import { builder } from './builder';
import { clientAppArgs } from './connections';
import { NoteAddedEventRef } from './history';

const UpdateAppInput = builder.inputType('UpdateAppInput', {
  description:
    'A patch: only the fields present change; null clears ownerEmail, category or riskLevel. At least one of isApproved, ownerEmail, category, riskLevel is required.',
  fields: (t) => ({
    isApproved: t.boolean({ description: 'Approve (true) or remove approval (false). Cannot be null.' }),
    ownerEmail: t.string({ description: "An email address for the app's owner, or null to clear." }),
    category: t.string({ description: 'A category label, 1 to 100 characters, or null to clear.' }),
    riskLevel: t.field({ type: RiskLevelEnum, description: 'A risk level, or null to clear.' }),
    reason: t.string({ description: 'Why: at most 500 characters, recorded on the events this update writes.' }),
    expiresAt: t.field({
      type: 'DateTime',
      description:
        'With isApproved: true, when the approval ends (then the app reads as not approved, and an APPROVAL_EXPIRED event is written with that time). Approving without one makes the approval permanent; a new end on an approved app is a change (an event). BAD_USER_INPUT when not in the future, more than 366 days ahead, given with expiresIn, or without isApproved: true.',
    }),
    expiresIn: t.string({ description: 'The end as a duration from now: a whole number and a unit, m, h, d or w (`30d`, `12h`). The same rules as expiresAt.' }),
    expectedVersion: t.int({
      description: "The app's `version` as you last read it. When given and stale, the update is refused with CONFLICT and nothing is written.",
    }),
  }),
});

builder.mutationField('updateApp', (t) =>
  t.field({
    type: AppRef,
    description:
      'Edit one app for one client from a detail view. Needs the apps:write scope. One transaction: an approval change writes an APPROVAL_STATUS_CHANGED event (as the bulk calls do); changes to other fields write one APP_UPDATED event listing each; both bump `version` once. A patch that changes nothing writes nothing and keeps the version. Errors: BAD_USER_INPUT (empty patch, invalid email, over-long text), CONFLICT (stale expectedVersion), NOT_FOUND (unknown client or app).',
    args: {
      ...clientAppArgs,
      input: t.arg({ type: UpdateAppInput, required: true, description: 'The fields to change.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { principal, clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'apps:write');
      return ctx.store.updateApp({ clientId, appId: args.appId, patch: args.input, actor: principal });
    },
  }),
);

builder.mutationField('addAppHistoryNote', (t) =>
  t.field({
    type: NoteAddedEventRef,
    description:
      "Add a free-text note to one app's history for one client. Needs the apps:write scope. The note is trimmed and must then be 1 to 2000 characters (else BAD_USER_INPUT). A note never changes the app's state or version.",
    args: {
      ...clientAppArgs,
      note: t.arg.string({ required: true, description: 'The note: 1 to 2000 characters after trimming.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { principal, clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'apps:write');
      const event = await ctx.store.addAppHistoryNote({ clientId, appId: args.appId, note: args.note, actor: principal });
      if (event.type !== 'NOTE_ADDED') throw new Error('addAppHistoryNote stored an event of another type');
      return event;
    },
  }),
);

builder.queryField('app', (t) =>
  t.field({
    type: AppRef,
    description:
      "One app as one client sees it, for a detail view. Needs the apps:read scope. Unlike Client.app, an unknown app is an error: NOT_FOUND for an unknown client or app (a private app of another directory than the client's is unknown to it), FORBIDDEN for another client's token, BAD_USER_INPUT for a malformed id.",
    args: clientAppArgs,
    resolve: async (_root, args, ctx) => {
      const { clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'apps:read');
      return ctx.store.getClientApp(clientId, args.appId);
    },
  }),
);
