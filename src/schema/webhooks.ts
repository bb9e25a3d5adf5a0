/**
 * Webhooks (services/webhooks.ts): a client's URLs sent its new history events, signed, in commit
 * order, at least once; their deliveries. Writing needs the webhooks:write scope, reading apps:read.
 */
import { authorizeClient, authorizeOwnedBy, requireClientScope } from '../auth/access';
import type { WebhookDeliveryStatus } from '../db/schema';
import { firstPageInMutation, preflight, preflightFields } from '../limits/preflight';
import { parseId } from '../services/ids';
import {
  MAX_SECRET_LENGTH,
  MAX_URL_LENGTH,
  MAX_WEBHOOKS_PER_CLIENT,
  MIN_SECRET_LENGTH,
  newWebhook,
  webhookNotFound,
  type Webhook,
  type WebhookDelivery,
} from '../services/webhooks';
import type { Context } from '../context';
import { builder } from './builder';
import { ClientRef } from './client';
import { connectionType, pageArgs } from './connections';
import { AppHistoryEventTypeEnum } from './history';

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { value: 'pending', description: 'Not delivered yet: it waits for its next attempt (nextAttemptAt), and holds the events after it.' },
    DELIVERED: { value: 'delivered', description: 'The receiver answered an attempt with a 2xx status.' },
    FAILED: { value: 'failed', description: 'Every attempt failed (APPGOV_WEBHOOK_MAX_ATTEMPTS): given up; the webhook went on with the next event.' },
  } as const satisfies Record<string, { value: WebhookDeliveryStatus; description: string }>,
});

export const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  extensions: preflightFields({}),
  description:
    'One event sent to one webhook. Written when its first attempt fails, when it is delivered, or when redeliverWebhookEvent asks for it again; an event delivered at its first attempt has one row, DELIVERED.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The delivery id.' }),
    webhookId: t.exposeID('webhookId', { description: 'The webhook it is sent to.' }),
    eventId: t.exposeID('eventId', { description: 'The event sent: the X-Appgov-Event-Id header of every attempt, the same on each.' }),
    sequence: t.exposeInt('sequence', { description: "The event's place in its client's history (commit order): the body's `sequence`." }),
    redelivery: t.exposeBoolean('redelivery', { description: 'True for a delivery asked for with redeliverWebhookEvent.' }),
    status: t.field({ type: WebhookDeliveryStatusEnum, description: 'Where it stands.', resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When the next attempt is due; null once delivered or failed.', resolve: (d) => d.nextAttemptAt }),
    lastError: t.exposeString('lastError', { nullable: true, description: "Why the last attempt failed (the receiver's status and the start of its answer, a timeout, a refused address); null when it succeeded." }),
    responseCode: t.exposeInt('responseCode', { nullable: true, description: "The HTTP status of the last attempt's answer; null when none came." }),
    createdAt: t.field({ type: 'DateTime', description: 'When the row was written.', resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When the last attempt was recorded.', resolve: (d) => d.updatedAt }),
  }),
});

const WebhookDeliveryConnection = connectionType('WebhookDelivery', WebhookDeliveryRef, 'webhook delivery');

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  extensions: preflightFields({}),
  description:
    "A URL sent every new history event of its client (of `types`, or all), one POST per event, in commit order: signed with X-Appgov-Request-Timestamp and X-Appgov-Signature (v0=HMAC-SHA256 of \"v0:\" + timestamp + \":\" + body, keyed by the secret), with X-Appgov-Event-Id as the idempotency key. At least once: a receiver that fails is tried again with a doubling wait (APPGOV_WEBHOOK_RETRY_BASE_MS, at most APPGOV_WEBHOOK_MAX_ATTEMPTS attempts), and a failing event holds the events after it. The secret is never shown again after createWebhook.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The webhook id.' }),
    clientId: t.exposeID('clientId', { description: 'The client whose events it is sent.' }),
    url: t.exposeString('url', { description: 'Where the events are POSTed.' }),
    types: t.field({ type: [AppHistoryEventTypeEnum], nullable: true, description: 'The event types sent; null: every type.', resolve: (w) => w.types }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created: it is sent the events committed after this.', resolve: (w) => w.createdAt }),
    createdById: t.exposeID('createdBy', { description: 'The token that created it.' }),
    deliveries: t.field({
      type: WebhookDeliveryConnection,
      description:
        'Its deliveries, newest first: the events that failed an attempt, were delivered, or were asked for again. Finished ones (DELIVERED, FAILED) are kept APPGOV_WEBHOOK_RETENTION_DAYS (default 30). Needs the apps:read scope.',
      args: { ...pageArgs },
      extensions: preflight({ scope: 'apps:read', args: firstPageInMutation }),
      resolve: (webhook, args, ctx) => {
        requireClientScope(ctx.principal, webhook.clientId, 'apps:read');
        return ctx.store.listWebhookDeliveries({ webhookId: webhook.id, first: args.first, after: args.after });
      },
    }),
  }),
});

const WebhookConnection = connectionType('Webhook', WebhookRef, 'webhook');

builder.objectField(ClientRef, 'webhooks', (t) =>
  t.field({
    type: WebhookConnection,
    description: "The client's webhooks, newest first. Needs the apps:read scope.",
    args: { ...pageArgs },
    extensions: preflight({ scope: 'apps:read', args: firstPageInMutation }),
    resolve: (client, args, ctx) => {
      requireClientScope(ctx.principal, client.id, 'apps:read');
      return ctx.store.listWebhooks({ clientId: client.id, first: args.first, after: args.after });
    },
  }),
);

const CreateWebhookPayloadRef = builder.objectRef<{ webhook: Webhook; secret: string | null }>('CreateWebhookPayload').implement({
  extensions: preflightFields({}),
  description: 'The webhook created, and its secret when appgov generated it.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }),
    secret: t.string({
      nullable: true,
      description: 'The generated signing secret, shown this once (only it can verify X-Appgov-Signature); null when you gave one.',
      resolve: (p) => p.secret,
    }),
  }),
});

/** The webhook of this id the token may write to, else NOT_FOUND (another client's too, as unknown). */
async function ownWebhook(ctx: Context, rawId: string, field: string): Promise<Webhook> {
  const id = parseId(rawId, field);
  const webhook = await ctx.store.findWebhook(id);
  if (!webhook) throw webhookNotFound(field);
  await authorizeOwnedBy(ctx.store, ctx.principal, webhook.clientId, 'webhooks:write', () => webhookNotFound(field));
  return webhook;
}

builder.mutationField('createWebhook', (t) =>
  t.field({
    type: CreateWebhookPayloadRef,
    description:
      `Registers a URL to be sent the client's history events as they are committed (from now on; not the history before). Needs the webhooks:write scope. A client has at most ${MAX_WEBHOOKS_PER_CLIENT} webhooks. ` +
      `Errors: NOT_FOUND (client), FORBIDDEN (another client, or no webhooks:write), BAD_USER_INPUT: a url that is not absolute http(s), carries credentials or a fragment, is longer than ${MAX_URL_LENGTH} characters, or names localhost or a loopback, link-local or private address (refused unless the server sets APPGOV_WEBHOOK_ALLOW_PRIVATE=1; a host name is checked again on the address it resolves to at each delivery); an empty or unknown \`types\`; a secret shorter than ${MIN_SECRET_LENGTH} or longer than ${MAX_SECRET_LENGTH} characters; webhook ${MAX_WEBHOOKS_PER_CLIENT + 1} of a client (\`extensions.limit\` webhooksPerClient).`,
    args: {
      clientId: t.arg.id({ required: true, description: 'The client (UUID).' }),
      url: t.arg.string({ required: true, description: 'Where to POST the events: http:// or https://.' }),
      types: t.arg({ type: [AppHistoryEventTypeEnum], description: 'Only events of these types; absent for all. An empty list is refused.' }),
      secret: t.arg.string({ description: `The signing secret (${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} printable characters); absent: one is generated and shown once in the answer.` }),
    },
    resolve: async (_root, args, ctx) => {
      const { principal, clientId } = await authorizeClient(ctx.store, ctx.principal, args.clientId, 'webhooks:write');
      const plan = newWebhook({ clientId, url: args.url, types: args.types ?? null, secret: args.secret ?? null, actor: principal, allowPrivate: ctx.webhookAllowPrivate });
      const webhook = await ctx.store.createWebhook(plan);
      return { webhook, secret: plan.generatedSecret ? plan.secret : null };
    },
  }),
);

builder.mutationField('deleteWebhook', (t) =>
  t.field({
    type: WebhookRef,
    description:
      'Deletes a webhook and its deliveries: nothing more is sent to it (an attempt under way may still arrive). Answers the webhook as it was. Needs the webhooks:write scope. Errors: NOT_FOUND (no such webhook, or another client\'s), BAD_USER_INPUT (malformed id).',
    args: { id: t.arg.id({ required: true, description: 'The webhook (UUID).' }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await ownWebhook(ctx, args.id, 'id');
      return ctx.store.deleteWebhook({ clientId: webhook.clientId, id: webhook.id });
    },
  }),
);

builder.mutationField('redeliverWebhookEvent', (t) =>
  t.field({
    type: WebhookDeliveryRef,
    description:
      "Sends one event of the webhook's client to it again (any event of the client, delivered or not, of any type): a new PENDING delivery with its own attempts, queued behind the webhook's pending deliveries and before its next events. Needs the webhooks:write scope. Errors: NOT_FOUND (webhook, or an event that is not its client's), BAD_USER_INPUT (malformed id).",
    args: {
      webhookId: t.arg.id({ required: true, description: 'The webhook (UUID).' }),
      eventId: t.arg.id({ required: true, description: 'The history event (its id, as Client.history shows it).' }),
    },
    resolve: async (_root, args, ctx) => {
      const webhook = await ownWebhook(ctx, args.webhookId, 'webhookId');
      const eventId = parseId(args.eventId, 'eventId');
      return ctx.store.redeliverWebhookEvent({ clientId: webhook.clientId, webhookId: webhook.id, eventId });
    },
  }),
);
