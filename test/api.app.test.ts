import { beforeAll, describe, expect, it } from 'vitest';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';

const APP = /* GraphQL */ `
  query ($c: ID!, $a: ID!) { app(clientId: $c, appId: $a) { id name isApproved version } }`;

let yoga: AppgovYoga;
let token: string;
let other: string;
let clientId: string;

beforeAll(() => {
  const t = testDatabase();
  clientId = seedTenant(t.db, { appCount: 1 }).clientId;
  const second = seedTenant(t.db, { clientNumber: 2 }).clientId;
  token = issueToken(t.db, 'internal', undefined, ['apps:read']).token;
  other = issueToken(t.db, 'client', second).token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

describe('Query.app: one app for a detail view', () => {
  it('returns the app as the client sees it', async () => {
    const res = await gql(yoga, APP, { c: clientId, a: uuid(1) }, token);
    expect(res.body).toEqual({ data: { app: { id: uuid(1), name: 'App 00001', isApproved: false, version: 0 } } });
  });

  it('is NOT_FOUND for an unknown app or client, FORBIDDEN for another client, UNAUTHENTICATED without a token', async () => {
    const unknownApp = await gql(yoga, APP, { c: clientId, a: uuid(99) }, token);
    expect([errorCodes(unknownApp), unknownApp.body.errors![0]!.message, unknownApp.body.data]).toEqual([['NOT_FOUND'], 'App not found', null]);
    const unknownClient = await gql(yoga, APP, { c: uuid(98), a: uuid(1) }, token);
    expect([errorCodes(unknownClient), unknownClient.body.errors![0]!.message]).toEqual([['NOT_FOUND'], 'Client not found']);
    const forbidden = await gql(yoga, APP, { c: clientId, a: uuid(1) }, other);
    expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
    const anonymous = await gql(yoga, APP, { c: clientId, a: uuid(1) }, null);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});
