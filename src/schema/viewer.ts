import { SCOPES, type Principal, type Scope } from '../auth/principal';
import { UnauthenticatedError } from '../errors';
import { builder } from './builder';
import { ClientRef } from './client';
import { ActorKindEnum } from './history';

/** What each scope allows. Typed by Scope, so a scope added to SCOPES without a line here fails tsc. */
const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'apps:read': 'apps:read: run queries (read clients, apps and history).',
  'apps:write': 'apps:write: run mutations (approve, unapprove, update apps, add notes).',
  'apps:request': 'apps:request: ask for an app in a workspace (requestAppInstall).',
  'webhooks:write': 'webhooks:write: create and delete webhooks, and ask for an event to be sent again (createWebhook, deleteWebhook, redeliverWebhookEvent).',
};

/** `apps:read` → `APPS_READ`: GraphQL enum names cannot hold a colon. */
export function scopeEnumName(scope: Scope): string {
  return scope.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export const ScopeEnum = builder.enumType('Scope', {
  description: 'A permission a token carries. Each value stands for the scope string shown in its description (what `appgov token create --scopes` takes).',
  values: Object.fromEntries(
    SCOPES.map((scope) => [scopeEnumName(scope), { value: scope, description: SCOPE_DESCRIPTIONS[scope] }]),
  ) as Record<string, { value: Scope; description: string }>,
});

export const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'The token making this request.',
  fields: (t) => ({
    id: t.exposeID('tokenId', { description: "The token's id: what history records as the actor's id." }),
    kind: t.field({ type: ActorKindEnum, description: 'The kind of token.', resolve: (p) => p.kind }),
    name: t.exposeString('name', { description: "The token's name: what history records as the actor's name." }),
    scopes: t.field({
      type: [ScopeEnum],
      description: 'What the token may do: APPS_READ (queries), APPS_WRITE (mutations).',
      resolve: (p) => [...p.scopes],
    }),
    client: t.field({
      type: ClientRef,
      nullable: true,
      description: 'The one client a client token is bound to; null for internal tokens, which reach every client.',
      resolve: (p, _args, ctx) => (p.clientId === null ? null : ctx.store.findClient(p.clientId)),
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
