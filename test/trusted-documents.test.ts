import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

const APPROVE = 'mutation Approve($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids) { succeeded } }';
const MANIFEST = { 'sha256:approve': APPROVE };

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let clientId: string;
let appIds: string[];
let clientToken: string;
let internalToken: string;

async function post(body: Record<string, unknown>, token?: string) {
  const response = await yoga.fetch('http://appgov.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: any }[] } };
}

beforeAll(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 3 }));
  clientToken = issueToken(t.db, 'client', clientId).token;
  internalToken = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: configWithManifest() });
});

function configWithManifest() {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-trusted-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
  return loadConfig({ APPGOV_TRUSTED_DOCUMENTS: join(dir, 'manifest.json') });
}

describe('trusted documents (APPGOV_TRUSTED_DOCUMENTS)', () => {
  it('runs a manifest document named by documentId, for a client token', async () => {
    const res = await post({ documentId: 'sha256:approve', variables: { c: clientId, ids: [appIds[0]] } }, clientToken);
    expect(res).toEqual({ status: 200, body: { data: { approveApps: { succeeded: [appIds[0]] } } } });
  });

  it("accepts Apollo's persistedQuery hash form too", async () => {
    const res = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'approve' } }, variables: { c: clientId, ids: [appIds[0]] } }, clientToken);
    expect(res.body).toEqual({ data: { approveApps: { succeeded: [appIds[0]] } } });
  });

  it('runs an operation sent as text when the text is exactly a trusted document', async () => {
    const res = await post({ query: APPROVE, variables: { c: clientId, ids: [appIds[0]] } }, clientToken);
    expect(res.body).toEqual({ data: { approveApps: { succeeded: [appIds[0]] } } });
  });

  it('refuses any other operation from a client token, with a code, writing nothing', async () => {
    const before = tableCounts(t.sqlite);
    const res = await post({ query: `mutation { approveApps(clientId: "${clientId}", appIds: ["${appIds[1]}"]) { succeeded } }` }, clientToken);
    expect(res.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Tokens of kind client may run only trusted documents: send "documentId" with the id from the manifest.', 'TRUSTED_DOCUMENT_REQUIRED'],
    ]);
    expect([res.status, res.body.data ?? null]).toEqual([200, null]);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('refuses an id the manifest does not hold, for every token', async () => {
    for (const token of [clientToken, internalToken]) {
      const res = await post({ documentId: 'sha256:unknown', variables: {} }, token);
      expect(res.body.errors?.map((e) => [e.message, e.extensions?.code, e.extensions?.documentId])).toEqual([
        ['No trusted document has the id "sha256:unknown".', 'TRUSTED_DOCUMENT_NOT_FOUND', 'sha256:unknown'],
      ]);
    }
  });

  it('still answers a request with no operation at all with BAD_REQUEST', async () => {
    const res = await post({ variables: {} }, clientToken);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('lets internal tokens, and requests without a token, send any operation', async () => {
    const internal = await gql(yoga, `query { client(id: "${clientId}") { name } }`, {}, internalToken);
    expect(internal.body).toEqual({ data: { client: { name: 'Client 1' } } });
    const anonymous = await gql(yoga, '{ __type(name: "Scope") { name } }');
    expect(anonymous.body).toEqual({ data: { __type: { name: 'Scope' } } });
    const unauthenticated = await gql(yoga, `query { client(id: "${clientId}") { name } }`, {}, 'agv_unknown');
    expect([unauthenticated.status, errorCodes(unauthenticated)]).toEqual([401, ['UNAUTHENTICATED']]);
  });

  it('applies to the kinds APPGOV_TRUSTED_DOCUMENTS_FOR names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-trusted-'));
    writeFileSync(join(dir, 'm.json'), JSON.stringify(MANIFEST));
    const strict = createAppgovYoga({ db: t.db, config: loadConfig({ APPGOV_TRUSTED_DOCUMENTS: join(dir, 'm.json'), APPGOV_TRUSTED_DOCUMENTS_FOR: 'client,internal' }) });
    const res = await gql(strict, `query { client(id: "${clientId}") { name } }`, {}, internalToken);
    expect(errorCodes(res)).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it("runs the server's own operations (the REST/Slack routes') sent as text, for every token", async () => {
    const routeOperation = `query RouteClient($c: ID!) { client(id: $c) { name } }`;
    const withRoutes = createAppgovYoga({ db: t.db, config: configWithManifest(), serverOperations: [routeOperation] });
    expect((await gql(withRoutes, routeOperation, { c: clientId }, clientToken)).body).toEqual({ data: { client: { name: 'Client 1' } } });
    expect(errorCodes(await gql(withRoutes, `query Other($c: ID!) { client(id: $c) { name } }`, { c: clientId }, clientToken))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });

  it('runs everything for everyone when unset', async () => {
    const open = createAppgovYoga({ db: t.db, config: loadConfig({}) });
    const res = await gql(open, `query { client(id: "${clientId}") { name } }`, {}, clientToken);
    expect(res.body).toEqual({ data: { client: { name: 'Client 1' } } });
  });
});

describe('trusted documents configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-trusted-config-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it('reads the manifest and defaults the kinds to client', () => {
    const config = loadConfig({ APPGOV_TRUSTED_DOCUMENTS: file('ok.json', JSON.stringify(MANIFEST)) });
    expect([[...config.trustedDocuments!], config.trustedDocumentsFor]).toEqual([[['sha256:approve', APPROVE]], ['client']]);
  });

  it.each([
    [{ APPGOV_TRUSTED_DOCUMENTS: join(dir, 'missing.json') }, /^APPGOV_TRUSTED_DOCUMENTS: cannot read .*missing\.json as JSON: ENOENT/],
    [{ APPGOV_TRUSTED_DOCUMENTS: file('list.json', '["query { viewer { id } }"]') }, /list\.json must hold a JSON object of document id → operation$/],
    [{ APPGOV_TRUSTED_DOCUMENTS: file('bad.json', '{"a":"query {"}') }, /bad\.json: document a is not GraphQL: Syntax Error/],
    [{ APPGOV_TRUSTED_DOCUMENTS_FOR: 'client' }, /^APPGOV_TRUSTED_DOCUMENTS_FOR needs APPGOV_TRUSTED_DOCUMENTS \(the manifest\) to be set$/],
    [{ APPGOV_TRUSTED_DOCUMENTS: file('ok2.json', '{}'), APPGOV_TRUSTED_DOCUMENTS_FOR: 'client,robot' }, /^APPGOV_TRUSTED_DOCUMENTS_FOR must be a comma-separated list of internal, client, directory; got "client,robot"$/],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
