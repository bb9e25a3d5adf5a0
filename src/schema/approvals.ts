import { parseApprovalExpiry } from '../services/approval-expiry';
import { authorizeTarget, requireScope } from '../auth/access';
import type { BulkFailure, BulkResult } from '../services/approvals';
import { preflightFields } from '../limits/preflight';
import { builder } from './builder';

const BulkErrorCodeEnum = builder.enumType('BulkErrorCode', {
  description: 'Why one id of a bulk call failed.',
  values: {
    APP_NOT_FOUND: { value: 'APP_NOT_FOUND', description: 'The id is a well-formed UUID, but the catalog has no such app that this client may see (a private app of another directory is reported exactly as an unknown one).' },
    APP_RESTRICTED_ORG_WIDE: {
      value: 'APP_RESTRICTED_ORG_WIDE',
      description: 'approveApps with a workspaceId: the app is restricted at org level, which beats any workspace approval.',
    },
    INVALID_SCOPES: { value: 'INVALID_SCOPES', description: 'An approval named a scope the app does not request.' },
  } as const,
});

const BulkFailureRef = builder.objectRef<BulkFailure>('BulkFailure').implement({
  extensions: preflightFields({}),
  description: 'One id that a bulk call could not act on. The other ids of the call still succeed.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id, in lowercase.' }),
    error: t.exposeString('error', { description: 'A human-readable reason, e.g. "App not found".' }),
    code: t.field({ type: BulkErrorCodeEnum, description: 'The reason, for machines.', resolve: (f) => f.code }),
  }),
});

const BulkResultRef = builder.objectRef<BulkResult>('BulkResult').implement({
  extensions: preflightFields({}),
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
  'Each app whose state changes gets exactly one APPROVAL_STATUS_CHANGED history event (WORKSPACE_RESOLUTION_CHANGED with a workspaceId), naming the calling token as actor, ' +
  'in the same transaction: all of the call is written, or none of it. ' +
  'Approving or restricting also resolves the pending install requests the decision covers (org level: the app\'s pending requests in every workspace of the client; workspace level: those in that workspace), each with an INSTALL_REQUEST_RESOLVED event. ' +
  'Ids are case-insensitive UUIDs; duplicates are collapsed (first-seen order). A well-formed id not in the catalog goes to `failed` (APP_NOT_FOUND). ' +
  'The whole call is refused with BAD_USER_INPUT, writing nothing, when `appIds` is empty, holds an id that is not 8-4-4-4-12 hexadecimal, ' +
  'or names more distinct ids than the server allows (APPGOV_MAX_BULK_IDS, default 1000).';

for (const [name, what] of [
  ['approveApps', 'Approve many apps for one client (isApproved becomes true).'],
  ['removeAppApprovals', 'Remove approval from many apps for one client (isApproved becomes false; resolution UNRESOLVED). A restricted app stays restricted.'],
  [
    'restrictApps',
    'Restrict many apps for one client (resolution RESTRICTED). At org level this voids every workspace-level approval of those apps (one WORKSPACE_APPROVAL_VOIDED event per workspace).',
  ],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: BulkResultRef,
      description: `${what} ${bulkRules}`,
      args: {
        clientId: t.arg.id({
          description: 'The client (UUID). NOT_FOUND when unknown. Give exactly one of clientId (org level) and workspaceId.',
        }),
        workspaceId: t.arg.id({
          description:
            "Decide in this workspace instead of org-wide: the workspace's own decision, which beats an org approval but never an org restriction (approveApps fails such apps with APP_RESTRICTED_ORG_WIDE). Events are WORKSPACE_RESOLUTION_CHANGED.",
        }),
        appIds: t.arg.idList({ required: true, description: 'The apps (UUIDs): 1 to APPGOV_MAX_BULK_IDS distinct ids.' }),
        reason: t.arg.string({ description: 'Why: at most 500 characters, recorded on every event this call writes.' }),
        ...(name === 'approveApps'
          ? {
              expiresAt: t.arg({
                type: 'DateTime',
                description:
                  'When these approvals end: at that instant each app reads as not approved, and an APPROVAL_EXPIRED event (actor kind SYSTEM) is written with that time. Approving again with another end (or none: permanent) replaces it, and that is an event too. BAD_USER_INPUT when not in the future, more than 366 days ahead, or given with expiresIn.',
              }),
              expiresIn: t.arg.string({
                description: 'The end as a duration from now: a whole number and a unit, m, h, d or w (`30d`, `12h`). The same rules as expiresAt; give at most one of them.',
              }),
            }
          : {}),
        dryRun: t.arg.boolean({
          defaultValue: false,
          description:
            'true: validate and return exactly the result the real call would give, but write nothing. A dry run reveals current state, so it needs the apps:read scope as well.',
        }),
      },
      resolve: async (_root, args, ctx) => {
        const { principal, clientId, workspaceId } = await authorizeTarget(ctx.store, ctx.principal, args, 'apps:write');
        const ends = args as { expiresAt?: Date | null; expiresIn?: string | null };
        const expiresAt = name === 'approveApps' ? parseApprovalExpiry(ends, new Date()) : null;
        // A dry run writes nothing and reports the current state: it is a read.
        if (args.dryRun) requireScope(principal, 'apps:read');
        // The transaction runs in the writer thread when there is one: other requests are served meanwhile.
        const result = await ctx.writer.run(name, {
          clientId,
          workspaceId,
          appIds: args.appIds,
          actor: principal,
          maxIds: ctx.maxBulkIds,
          reason: args.reason,
          ...(expiresAt ? { expiresAt } : {}),
          dryRun: args.dryRun ?? false,
        });
        if (!args.dryRun) ctx.metrics?.recordBulkIds(name, result);
        return result;
      },
    }),
  );
}
