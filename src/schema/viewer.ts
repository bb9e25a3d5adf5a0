import type { Principal } from '../auth/principal';
import { UnauthenticatedError } from '../errors';
import { findClient } from '../services/clients';
import { builder } from './builder';
import { ClientRef } from './client';
import { ActorKindEnum } from './history';

export const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'The token making this request.',
  fields: (t) => ({
    id: t.exposeID('tokenId', { description: "The token's id: what history records as the actor's id." }),
    kind: t.field({ type: ActorKindEnum, description: 'The kind of token.', resolve: (p) => p.kind }),
    name: t.exposeString('name', { description: "The token's name: what history records as the actor's name." }),
    scopes: t.stringList({ description: 'What the token may do: apps:read (queries), apps:write (mutations).', resolve: (p) => [...p.scopes] }),
    client: t.field({
      type: ClientRef,
      nullable: true,
      description: 'The one client a client token is bound to; null for internal tokens, which reach every client.',
      resolve: (p, _args, ctx) => (p.clientId === null ? null : findClient(ctx.db, p.clientId)),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'Who is calling: the bearer token behind this request. Needs a token, but no scope. UNAUTHENTICATED without one.',
    resolve: (_root, _args, ctx) => {
      if (!ctx.principal) throw new UnauthenticatedError();
      return ctx.principal;
    },
  }),
);
