import type { ObjectRef } from '@pothos/core';
import type { AssigneeType } from '../auth/assignment-rules';
import type { Directory } from '../services/directories';
import { AppAssignmentConnection, AppAssignmentEventConnection, assignmentListArgs } from './assignment-types';
import { AppRef } from './app';
import { builder } from './builder';
import { ClientRef } from './client';
import { pageArgs } from './connections';
import { ViewerRef } from './viewer';

export const DirectoryRef = builder.objectRef<Directory>('Directory').implement({
  description: 'A partner account: it owns businesses (clients) and may own private apps.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The directory id (UUID).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** `assignments` and `assignmentHistory` on an assignee type: the same lists, bound to the parent. */
function addAssignmentFields<T extends { id: string }>(ref: ObjectRef<Types, T>, type: AssigneeType, whose: string) {
  builder.objectFields(ref, (t) => ({
    assignments: t.field({
      type: AppAssignmentConnection,
      description: `Apps assigned to ${whose}, oldest first, optionally by mode. Needs the apps:read scope.`,
      args: assignmentListArgs,
      resolve: (parent, args, ctx) => ctx.store.listAssignments(ctx.principal, { filter: { assignee: { type, id: parent.id }, mode: args.mode }, ...args }),
    }),
    assignmentHistory: t.field({
      type: AppAssignmentEventConnection,
      description: `The assignment history of ${whose} (assigns, mode changes, removals), newest first. Needs the apps:read scope.`,
      args: pageArgs,
      resolve: (parent, args, ctx) => ctx.store.listAssignmentEvents(ctx.principal, { filter: { assignee: { type, id: parent.id } }, ...args }),
    }),
  }));
}

addAssignmentFields(DirectoryRef, 'directory', 'this directory itself (not its businesses)');
addAssignmentFields(ClientRef, 'business', 'this client as a business');

builder.queryField('directory', (t) =>
  t.field({
    type: DirectoryRef,
    nullable: true,
    description:
      'One directory. Needs the apps:read scope. An internal token reads any (NOT_FOUND when unknown); a directory token only its own ' +
      '(FORBIDDEN for any other, whether or not it exists); a client token none (FORBIDDEN).',
    args: { id: t.arg.id({ required: true, description: 'The directory id (UUID).' }) },
    resolve: (_root, args, ctx) => ctx.store.readDirectory(ctx.principal, args.id),
  }),
);

builder.objectField(ViewerRef, 'directory', (t) =>
  t.field({
    type: DirectoryRef,
    nullable: true,
    description: 'The one directory a directory token acts for; null for other tokens.',
    resolve: (p, _args, ctx) => (p.directoryId ? ctx.store.findDirectory(p.directoryId) : null),
  }),
);

builder.objectFields(AppRef, (t) => ({
  ownerDirectoryId: t.exposeID('ownerDirectoryId', {
    nullable: true,
    description: 'The directory that owns this private app (only its directory token may assign it, and only inside that directory); null for a public app.',
  }),
  hiddenFromMarket: t.exposeBoolean('hiddenFromMarket', { description: 'True: the app is not listed in the App Market.' }),
}));
