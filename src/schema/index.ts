import { builder } from './builder';
import { sliceListFields } from './time-slice';
import './scalars';
import './resolution';
import './history';
import './app';
import './client';
import './approvals';
import './app-details';
import './viewer';
import './assignments';
import './directory';
import './workspace';
import './install-requests';
import './decisions';
import './decision-history';
import './error-codes';
import './subscriptions';
import './webhooks';

builder.queryType({
  description: 'Reads. Every field needs a bearer token with the apps:read scope.',
});
builder.mutationType({
  description:
    'Writes. Every field needs a bearer token with the apps:write scope (requestAppInstall: apps:request; the webhook fields: webhooks:write), and runs in one transaction. A request holds at most APPGOV_MAX_MUTATION_FIELDS mutation fields (default 1), naming at most APPGOV_MAX_BULK_IDS ids in all. Before anything is written, every field selected in the result is checked (its scope and its arguments; lists take their first page only), so a refusal never follows a write.',
});

export const schema = sliceListFields(builder.toSchema({ sortSchema: true }));
