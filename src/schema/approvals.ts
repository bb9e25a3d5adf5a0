import { authorizeClient, requireScope } from '../auth/access';
import { approveApps, removeAppApprovals, type BulkFailure, type BulkResult } from '../services/approvals';
import { builder } from './builder';

const BulkErrorCodeEnum = builder.enumType('BulkErrorCode', {
  description: 'Why one id of a bulk call failed.',
  values: {
    APP_NOT_FOUND: { value: 'APP_NOT_FOUND', description: 'The id is a well-formed UUID, but the catalog has no such app.' },
  } as const,
});

const BulkFailureRef = builder.objectRef<BulkFailure>('BulkFailure').implement({
  description: 'One id that a bulk call could not act on. The other ids of the call still succeed.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id, in lowercase.' }),
    error: t.exposeString('error', { description: 'A human-readable reason, e.g. "App not found".' }),
    code: t.field({ type: BulkErrorCodeEnum, description: 'The reason, for machines.', resolve: (f) => f.code }),
  }),
});

const BulkResultRef = builder.objectRef<BulkResult>('BulkResult').implement({
  description:
    'The outcome of a bulk call, per id. Each distinct id appears exactly once, in `succeeded` or in `failed`, in the order first given.',
  fields: (t) => ({
    succeeded: t.exposeIDList('succeeded', {
      description: 'Ids now in the desired state, including those that already were (idempotent).',
    }),
    failed: t.field({
      type: [BulkFailureRef],
      description: 'Ids that could not be acted on, each with its reason.',
      resolve: (r) => r.failed,
    }),
    changed: t.exposeIDList('changed', {
      description:
        'The ids in `succeeded` whose state this call changed (or, in a dry run, would change). Empty when the call is repeated. This is all a real call tells an apps:write-only token about prior state: which of the ids it named it changed.',
    }),
  }),
});

const bulkRules =
  'Needs the apps:write scope. Idempotent: an app already in that state succeeds and nothing is written for it. ' +
  'Each app whose state changes gets exactly one APPROVAL_STATUS_CHANGED history event, naming the calling token as actor, ' +
  'in the same transaction: all of the call is written, or none of it. ' +
  'Ids are case-insensitive UUIDs; duplicates are collapsed (first-seen order). A well-formed id not in the catalog goes to `failed` (APP_NOT_FOUND). ' +
  'The whole call is refused with BAD_USER_INPUT, writing nothing, when `appIds` is empty, holds an id that is not 8-4-4-4-12 hexadecimal, ' +
  'or names more distinct ids than the server allows (APPGOV_MAX_BULK_IDS, default 1000).';

for (const [name, run, what] of [
  ['approveApps', approveApps, 'Approve many apps for one client (isApproved becomes true).'],
  ['removeAppApprovals', removeAppApprovals, 'Remove approval from many apps for one client (isApproved becomes false; resolution UNRESOLVED). A restricted app stays restricted.'],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: BulkResultRef,
      description: `${what} ${bulkRules}`,
      args: {
        clientId: t.arg.id({ required: true, description: 'The client (UUID). NOT_FOUND when unknown.' }),
        appIds: t.arg.idList({ required: true, description: 'The apps (UUIDs): 1 to APPGOV_MAX_BULK_IDS distinct ids.' }),
        reason: t.arg.string({ description: 'Why: at most 500 characters, recorded on every event this call writes.' }),
        dryRun: t.arg.boolean({
          defaultValue: false,
          description:
            'true: validate and return exactly the result the real call would give, but write nothing. A dry run reveals current state, so it needs the apps:read scope as well.',
        }),
      },
      resolve: (_root, args, ctx) => {
        const { principal, clientId } = authorizeClient(ctx.db, ctx.principal, args.clientId, 'apps:write');
        // A dry run writes nothing and reports the current state: it is a read.
        if (args.dryRun) requireScope(principal, 'apps:read');
        return run(ctx.db, {
          clientId,
          appIds: args.appIds,
          actor: principal,
          maxIds: ctx.maxBulkIds,
          reason: args.reason,
          dryRun: args.dryRun ?? false,
        });
      },
    }),
  );
}
