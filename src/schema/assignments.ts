import { parseAssignee } from '../services/assignments';
import { mapV1Assign, V1_REMOVAL_DATE } from '../services/assignment-v1';
import {
  AppAssignmentConnection,
  AppAssignmentEventConnection,
  AppAssignmentRef,
  AssignAppResultRef,
  AssigneeInput,
  AssignmentModeEnum,
  assignmentListArgs,
} from './assignment-types';
import { builder } from './builder';
import { pageArgs } from './connections';

const assignRules =
  'Needs the apps:write scope and an internal or a directory token: a client token is FORBIDDEN (rule TOKEN_KIND). ' +
  'A directory token may only assign apps its directory owns (OWN_APP), to its own directory or a business of its directory (OWN_ASSIGNEE), ' +
  'with mode INTERNAL (INTERNAL_MODE); a refusal is FORBIDDEN with `extensions.rule` naming the rule, and another directory or its businesses ' +
  'get the same answer whether or not they exist. An internal token gets NOT_FOUND for an unknown app, directory or business. ' +
  "A private app (one with an ownerDirectoryId) is assigned only inside its own directory, whatever the token: to that directory or one of its businesses; any other assignee (another directory, its businesses, a direct customer) is FORBIDDEN with rule PRIVATE_APP_DIRECTORY. " +
  'At most one assignment per (app, assignee): the same mode again writes nothing (UNCHANGED); another mode updates it (MODE_CHANGED). ' +
  'Each change appends one AppAssignmentEvent naming the calling token, in the same transaction.';

const AssignAppInputRef = builder.inputType('AssignAppInput', {
  description: 'What to assign to whom, and how.',
  fields: (t) => ({
    appCodeName: t.string({ required: true, description: "The app's code name (v3 `app_code_name`)." }),
    assignee: t.field({ type: AssigneeInput, required: true, description: 'Exactly one of a directory and a business.' }),
    mode: t.field({
      type: AssignmentModeEnum,
      defaultValue: 'STANDARD',
      description: 'How the app is offered; default STANDARD. BUILT_IN is refused with BAD_USER_INPUT ("not supported in v3").',
    }),
  }),
});

builder.mutationField('assignApp', (t) =>
  t.field({
    type: AssignAppResultRef,
    description: `Assign an app to a directory or a business with a mode (v3: POST /v3/apps/app_assignments). ${assignRules}`,
    args: { input: t.arg({ type: AssignAppInputRef, required: true, description: 'The app, the assignee and the mode.' }) },
    resolve: (_root, { input }, ctx) =>
      ctx.store.assignApp({
        actor: ctx.principal,
        appCodeName: input.appCodeName,
        assignee: parseAssignee(input.assignee),
        mode: input.mode ?? 'STANDARD',
      }),
  }),
);

const v1Flag = (v1: string, mode: string, extra = '') =>
  `v1 \`${v1}\`: "true" assigns with mode ${mode}${extra}; "false" is the same as absent. Any other value is BAD_USER_INPUT.`;

builder.mutationField('assignAppV1', (t) =>
  t.field({
    type: AssignAppResultRef,
    deprecationReason: `Use assignApp. assignAppV1 mirrors the deprecated POST /platform/v1/apps/{app_code_name}/assign (same deprecation dates as that route). Removal after ${V1_REMOVAL_DATE}.`,
    description:
      'The deprecated v1 call, mapped onto assignApp parameter by parameter: directoryUid/businessUid → assignee; isInternal or hideFromMarket "true" → INTERNAL; ' +
      'preInstalled "true" → PRE_INSTALLED; builtIn "true" → BUILT_IN (the only way to create it); no flag "true" → STANDARD. ' +
      'BAD_USER_INPUT, writing nothing, for both or neither of directoryUid and businessUid, a flag other than "true"/"false", more than one flag "true", ' +
      `or isInternal, preInstalled or builtIn with businessUid ("used with directory_uid only"). ${assignRules}`,
    args: {
      appCodeName: t.arg.string({ required: true, description: 'The app\'s code name (the v1 path\'s `{id}`).' }),
      directoryUid: t.arg.string({ description: 'v1 `directory_uid`: the directory (UUID). Exactly one of this and businessUid.' }),
      businessUid: t.arg.string({ description: 'v1 `business_uid`: the business (UUID). Exactly one of this and directoryUid.' }),
      isInternal: t.arg.string({ description: v1Flag('is_internal', 'INTERNAL', ' (with directoryUid only)') }),
      preInstalled: t.arg.string({ description: v1Flag('pre_installed', 'PRE_INSTALLED', ' (with directoryUid only)') }),
      builtIn: t.arg.string({ description: v1Flag('built_in', 'BUILT_IN', ' (with directoryUid only; not supported in v3)') }),
      hideFromMarket: t.arg.string({ description: v1Flag('hide_from_market', 'INTERNAL') }),
    },
    resolve: (_root, { appCodeName, ...v1 }, ctx) => {
      const { assignee, mode } = mapV1Assign(v1);
      return ctx.store.assignApp({ actor: ctx.principal, appCodeName, assignee, mode, allowBuiltIn: true });
    },
  }),
);

builder.mutationField('unassignApp', (t) =>
  t.field({
    type: AppAssignmentRef,
    description:
      'Remove one assignment (v3: DELETE /v3/apps/app_assignments/{uid}) and return it as it was. Its history stays, with one UNASSIGNED event added. ' +
      'The same token rules as assignApp, except that any mode may be removed. An internal token gets NOT_FOUND for an unknown id; ' +
      'a directory token gets FORBIDDEN for an unknown id exactly as for another directory\'s assignment.',
    args: { id: t.arg.id({ required: true, description: 'The assignment id (UUID).' }) },
    resolve: (_root, args, ctx) => ctx.store.unassignApp({ actor: ctx.principal, id: args.id }),
  }),
);

const listFilterArgs = builder.args((t) => ({
  assignee: t.field({
    type: AssigneeInput,
    description: 'Only this directory or business. Required for directory and client tokens (their own directory or businesses; a client token its own client).',
  }),
  appCodeName: t.string({ description: 'Only this app (an unknown code name gives an empty list).' }),
}));

builder.queryField('appAssignments', (t) =>
  t.field({
    type: AppAssignmentConnection,
    description:
      'Assignments, oldest first, filtered by assignee, app and mode (combined with AND); an app\'s assignments with `appCodeName` alone. Needs the apps:read scope. ' +
      'Without `assignee`, internal tokens only (FORBIDDEN otherwise). Each page is one index seek.',
    args: { ...listFilterArgs, ...assignmentListArgs },
    resolve: (_root, args, ctx) =>
      ctx.store.listAssignments(ctx.principal, {
        filter: { assignee: args.assignee ? parseAssignee(args.assignee) : null, appCodeName: args.appCodeName, mode: args.mode },
        first: args.first,
        after: args.after,
      }),
  }),
);

builder.queryField('appAssignmentHistory', (t) =>
  t.field({
    type: AppAssignmentEventConnection,
    description:
      'Assignment history, newest first: every assign, mode change and removal, with actor, time and the mode before and after, filtered by assignee and app. ' +
      'Same access as appAssignments.',
    args: { ...listFilterArgs, ...pageArgs },
    resolve: (_root, args, ctx) =>
      ctx.store.listAssignmentEvents(ctx.principal, {
        filter: { assignee: args.assignee ? parseAssignee(args.assignee) : null, appCodeName: args.appCodeName },
        first: args.first,
        after: args.after,
      }),
  }),
);
