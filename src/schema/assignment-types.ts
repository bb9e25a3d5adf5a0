import type { AssigneeType } from '../auth/assignment-rules';
import type { AssignmentEventType, AssignmentMode } from '../db/schema';
import type { AssignOutcome, Assignment } from '../services/assignments';
import type { AssignmentEvent } from '../services/assignment-lists';
import { preflightFields } from '../limits/preflight';
import { builder } from './builder';
import { connectionType, pageArgs } from './connections';
import { ActorRef } from './history';

export const AssignmentModeEnum = builder.enumType('AppAssignmentMode', {
  description: 'How an assigned app is offered to its assignee.',
  values: {
    STANDARD: { value: 'STANDARD', description: "Listed in the assignee's App Market. assignApp's default." },
    INTERNAL: {
      value: 'INTERNAL',
      description: 'Not shown in the App Market, but available to use. The only mode a directory token may assign.',
    },
    PRE_INSTALLED: {
      value: 'PRE_INSTALLED',
      description: 'Installed for all new accounts and shown as installed; users may uninstall it.',
    },
    BUILT_IN: {
      value: 'BUILT_IN',
      description:
        'Installed for all users and cannot be uninstalled. Only the deprecated assignAppV1 creates it (v1 `built_in: "true"`); assignApp refuses it with BAD_USER_INPUT.',
    },
  } as const satisfies Record<AssignmentMode, { value: AssignmentMode; description: string }>,
});

export const AssigneeTypeEnum = builder.enumType('AssigneeType', {
  description: 'What an app is assigned to.',
  values: {
    DIRECTORY: { value: 'directory', description: 'A directory (partner account).' },
    BUSINESS: { value: 'business', description: 'A business: a client that belongs to a directory.' },
  } as const satisfies Record<string, { value: AssigneeType; description: string }>,
});

export const AssigneeInput = builder.inputType('AssigneeInput', {
  description: 'Whom an app is assigned to: exactly one of a directory and a business (@oneOf).',
  isOneOf: true,
  fields: (t) => ({
    directoryId: t.id({ description: 'A directory (UUID). A directory token may name only its own.' }),
    businessId: t.id({ description: 'A business (UUID): a client of a directory. A directory token may name only its own businesses.' }),
  }),
});

export const AppAssignmentRef = builder.objectRef<Assignment>('AppAssignment').implement({
  extensions: preflightFields({}),
  description: 'One app made available to one directory or one business, with a mode. At most one per (app, assignee).',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The assignment id (UUID): v3's `uid`." }),
    appId: t.exposeID('appId', { description: 'The assigned app (UUID).' }),
    appCodeName: t.exposeString('appCodeName', { description: "The assigned app's code name." }),
    assigneeType: t.field({ type: AssigneeTypeEnum, description: 'Whether the assignee is a directory or a business.', resolve: (a) => a.assigneeType }),
    assigneeId: t.exposeID('assigneeId', { description: 'The directory or business (UUID).' }),
    mode: t.field({ type: AssignmentModeEnum, description: 'How the app is offered.', resolve: (a) => a.mode }),
    createdAt: t.field({ type: 'DateTime', description: 'When the app was assigned.', resolve: (a) => a.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When the mode last changed (the creation time until then).', resolve: (a) => a.updatedAt }),
  }),
});

export const AppAssignmentConnection = connectionType('AppAssignment', AppAssignmentRef, 'assignment');

const AssignmentEventTypeEnum = builder.enumType('AppAssignmentEventType', {
  description: 'What happened to an assignment.',
  values: {
    ASSIGNED: { value: 'ASSIGNED', description: 'The app was assigned (`toMode` is its mode).' },
    MODE_CHANGED: { value: 'MODE_CHANGED', description: 'The mode changed from `fromMode` to `toMode`.' },
    UNASSIGNED: { value: 'UNASSIGNED', description: 'The assignment was removed (`fromMode` was its mode).' },
  } as const satisfies Record<AssignmentEventType, { value: AssignmentEventType; description: string }>,
});

const AppAssignmentEventRef = builder.objectRef<AssignmentEvent>('AppAssignmentEvent').implement({
  extensions: preflightFields({}),
  description:
    'One entry of assignment history: an assign, a mode change or a removal, with who and when. Append-only, and kept after the assignment is removed. Calls that change nothing write none.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event id.' }),
    type: t.field({ type: AssignmentEventTypeEnum, description: 'What happened.', resolve: (e) => e.type }),
    assignmentId: t.exposeID('assignmentId', { description: 'The assignment it is about (it may since have been removed).' }),
    appId: t.exposeID('appId', { description: 'The app (UUID).' }),
    appCodeName: t.exposeString('appCodeName', { description: "The app's code name." }),
    assigneeType: t.field({ type: AssigneeTypeEnum, description: 'Directory or business.', resolve: (e) => e.assigneeType }),
    assigneeId: t.exposeID('assigneeId', { description: 'The directory or business (UUID).' }),
    fromMode: t.field({ type: AssignmentModeEnum, nullable: true, description: 'The mode before; null for ASSIGNED.', resolve: (e) => e.fromMode }),
    toMode: t.field({ type: AssignmentModeEnum, nullable: true, description: 'The mode after; null for UNASSIGNED.', resolve: (e) => e.toMode }),
    actor: t.field({ type: ActorRef, description: 'The token that made the change.', resolve: (e) => e.actor }),
    createdAt: t.field({ type: 'DateTime', description: 'When it happened.', resolve: (e) => e.createdAt }),
  }),
});

export const AppAssignmentEventConnection = connectionType('AppAssignmentEvent', AppAssignmentEventRef, 'assignment event');

export const AssignOutcomeEnum = builder.enumType('AssignOutcome', {
  description: 'What an assign call did.',
  values: {
    CREATED: { value: 'CREATED', description: 'A new assignment (one ASSIGNED event written).' },
    MODE_CHANGED: { value: 'MODE_CHANGED', description: 'The existing assignment got another mode (one MODE_CHANGED event written).' },
    UNCHANGED: { value: 'UNCHANGED', description: 'The app was already assigned with that mode: nothing written.' },
  } as const satisfies Record<AssignOutcome, { value: AssignOutcome; description: string }>,
});

export const AssignAppResultRef = builder
  .objectRef<{ assignment: Assignment; outcome: AssignOutcome }>('AssignAppResult')
  .implement({
    extensions: preflightFields({}),
    description: 'The assignment after the call, and whether the call changed it.',
    fields: (t) => ({
      assignment: t.field({ type: AppAssignmentRef, description: 'The assignment as it now is.', resolve: (r) => r.assignment }),
      outcome: t.field({ type: AssignOutcomeEnum, description: 'Created, mode changed, or unchanged.', resolve: (r) => r.outcome }),
    }),
  });

/** Paging and the mode filter of every assignment list. */
export const assignmentListArgs = builder.args((t) => ({
  ...pageArgs,
  mode: t.field({ type: AssignmentModeEnum, description: 'Only assignments with this mode; absent for all.' }),
}));
