import type { InterfaceRef, ObjectRef } from '@pothos/core';
import type { Page } from '../services/pagination';
import { preflightFields } from '../limits/preflight';
import { builder } from './builder';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type NodeRef<T> = ObjectRef<Types, T> | InterfaceRef<Types, T>;

/** A page item knows its own opaque cursor. */
interface WithCursor {
  cursor: string;
}

export const PageInfoRef = builder.objectRef<Page<WithCursor>>('PageInfo').implement({
  extensions: preflightFields({}),
  description:
    'Where a page sits in its list. Pagination is forward-only: pass `endCursor` as `after` to get the next page.',
  fields: (t) => ({
    hasNextPage: t.boolean({
      description: 'True when more items follow this page.',
      resolve: (page) => page.hasNextPage,
    }),
    hasPreviousPage: t.boolean({
      description: 'Always false: lists page forward only (first/after). Present for Relay clients.',
      resolve: () => false,
    }),
    startCursor: t.string({
      nullable: true,
      description: 'The cursor of the first item of this page; null when the page is empty.',
      resolve: (page) => page.items[0]?.cursor ?? null,
    }),
    endCursor: t.string({
      nullable: true,
      description: 'The cursor of the last item of this page, to pass as `after`; null when the page is empty.',
      resolve: (page) => page.items.at(-1)?.cursor ?? null,
    }),
  }),
});

/**
 * A Relay-style connection (`edges { cursor node }`, `nodes`, `pageInfo`)
 * over a service Page. `name` is the node's type name; `P` lets a listing
 * carry more (Client.apps adds `totalCount`).
 */
export function connectionType<N, P extends Page<N & WithCursor> = Page<N & WithCursor>>(
  name: string,
  node: NodeRef<N>,
  what: string,
) {
  // A page's shape is plain: what it holds is checked by the field that lists it and by the node's own fields.
  const edge = builder.objectRef<N & WithCursor>(`${name}Edge`).implement({
    extensions: preflightFields({}),
    description: `One ${what} and its cursor.`,
    fields: (t) => ({
      cursor: t.string({
        description: `Opaque position of this ${what}; pass it as \`after\` to continue after it.`,
        resolve: (item) => item.cursor,
      }),
      // TypeScript cannot evaluate Pothos' resolver-result type for an open generic N.
      node: t.field({ type: node, description: `The ${what}.`, resolve: (item) => item as never }),
    }),
  });
  return builder.objectRef<P>(`${name}Connection`).implement({
    extensions: preflightFields({}),
    description: `A page of ${what}s. \`first\` defaults to 20 and may not exceed 100.`,
    fields: (t) => ({
      edges: t.field({ type: [edge], description: `The ${what}s of this page with their cursors.`, resolve: (p) => p.items }),
      nodes: t.field({ type: [node], description: `The ${what}s of this page.`, resolve: (p) => p.items as never }),
      pageInfo: t.field({ type: PageInfoRef, description: 'Whether more follow, and the cursors.', resolve: (p) => p }),
    }),
  });
}

/** The `first` / `after` arguments every connection field takes. */
export const pageArgs = builder.args((t) => ({
  first: t.int({ description: 'How many items to return: 1 to 100, default 20.' }),
  after: t.string({
    description:
      'Return the items after this cursor (an `endCursor` or edge `cursor` from this same list, for the same client and filters). Cursors are sealed: a cursor from another list, client or filter is refused with BAD_USER_INPUT.',
  }),
}));

/** The client and app a single-app field acts on. */
export const clientAppArgs = builder.args((t) => ({
  clientId: t.id({ required: true, description: 'The client (UUID). NOT_FOUND when unknown.' }),
  appId: t.id({ required: true, description: 'The app (UUID). NOT_FOUND when the catalog has no such app.' }),
}));
