import { listAssignmentEvents, listAssignments } from '../services/assignment-lists';
import { findDirectory, type Directory } from '../services/directories';
import { readDirectory } from '../services/directory-reads';
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
    assignments: t.field({
      type: AppAssignmentConnection,
      description: 'Apps assigned to this directory itself (not its businesses), oldest first, optionally by mode. Needs the apps:read scope.',
      args: assignmentListArgs,
      resolve: (directory, args, ctx) =>
        listAssignments(ctx.db, ctx.principal, { filter: { assignee: { type: 'directory', id: directory.id }, mode: args.mode }, ...args }),
    }),
    assignmentHistory: t.field({
      type: AppAssignmentEventConnection,
      description: "This directory's assignment history (assigns, mode changes, removals), newest first. Needs the apps:read scope.",
      args: pageArgs,
      resolve: (directory, args, ctx) =>
        listAssignmentEvents(ctx.db, ctx.principal, { filter: { assignee: { type: 'directory', id: directory.id } }, ...args }),
    }),
  }),
});

builder.queryField('directory', (t) =>
  t.field({
    type: DirectoryRef,
    nullable: true,
    description:
      'One directory. Needs the apps:read scope. An internal token reads any (NOT_FOUND when unknown); a directory token only its own ' +
      '(FORBIDDEN for any other, whether or not it exists); a client token none (FORBIDDEN).',
    args: { id: t.arg.id({ required: true, description: 'The directory id (UUID).' }) },
    resolve: (_root, args, ctx) => readDirectory(ctx.db, ctx.principal, args.id),
  }),
);

builder.objectField(ViewerRef, 'directory', (t) =>
  t.field({
    type: DirectoryRef,
    nullable: true,
    description: 'The one directory a directory token acts for; null for other tokens.',
    resolve: (p, _args, ctx) => (p.directoryId ? findDirectory(ctx.db, p.directoryId) : null),
  }),
);

builder.objectFields(ClientRef, (t) => ({
  assignments: t.field({
    type: AppAssignmentConnection,
    description: 'Apps assigned to this client as a business, oldest first, optionally by mode. Needs the apps:read scope.',
    args: assignmentListArgs,
    resolve: (client, args, ctx) =>
      listAssignments(ctx.db, ctx.principal, { filter: { assignee: { type: 'business', id: client.id }, mode: args.mode }, ...args }),
  }),
  assignmentHistory: t.field({
    type: AppAssignmentEventConnection,
    description: "This business's assignment history (assigns, mode changes, removals), newest first. Needs the apps:read scope.",
    args: pageArgs,
    resolve: (client, args, ctx) =>
      listAssignmentEvents(ctx.db, ctx.principal, { filter: { assignee: { type: 'business', id: client.id } }, ...args }),
  }),
}));

builder.objectFields(AppRef, (t) => ({
  ownerDirectoryId: t.exposeID('ownerDirectoryId', {
    nullable: true,
    description: 'The directory that owns this private app (only its directory token may assign it); null for a public app.',
  }),
  hiddenFromMarket: t.exposeBoolean('hiddenFromMarket', { description: 'True: the app is not listed in the App Market.' }),
}));
