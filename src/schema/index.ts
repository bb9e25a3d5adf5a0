import { builder } from './builder';
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

builder.queryType({
  description: 'Reads. Every field needs a bearer token with the apps:read scope.',
});
builder.mutationType({
  description:
    'Writes. Every field needs a bearer token with the apps:write scope (requestAppInstall: apps:request), and runs in one transaction.',
});

export const schema = builder.toSchema({ sortSchema: true });
