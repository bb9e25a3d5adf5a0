import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTypedClient, sourceFiles } from '../examples/typed-client/codegen';
import { AppgovRequestError, createAppgovClient, type Request } from '../examples/typed-client/src/client';
import { clearForClient, restrictForClient } from '../examples/typed-client/src/decisions';
import type { ClientAppsWithHistoryQuery, RestrictAppMutationVariables } from '../examples/typed-client/src/gql/graphql';
import { approveReviewed, clientOverview, describeEvent, wholeHistory } from '../examples/typed-client/src/usage';
import { loadConfig } from '../src/config';
import { HISTORY_EVENT_TYPES } from '../src/db/schema';
import { createHttpServer } from '../src/http';
import { updateAppCatalog } from '../src/services/app-decisions';
import { addAppHistoryNote, updateApp } from '../src/services/app-details';
import { createApp } from '../src/services/apps';
import { DEMO_APPS, seedDemoIfEmpty } from '../src/services/demo';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { expireApprovals } from '../src/services/expiry';
import { cancelInstallRequest, createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { issueToken, principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { rest } from './helpers/rest';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';

const run = promisify(execFile);

const EXAMPLE = join(import.meta.dirname, '../examples/typed-client');
const MANIFEST = join(EXAMPLE, 'src/gql/persisted-documents.json');
const [designBoard, , teamWiki] = DEMO_APPS;
const MISSING = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

let t: ReturnType<typeof testDatabase>;
let clientId: string;

function clientFor(yoga: AppgovYoga, token: string, trustedDocuments = false): Request {
  return createAppgovClient({ url: 'http://appgov.test/graphql', token, trustedDocuments, fetch: (url, init) => yoga.fetch(url, init) });
}

beforeAll(() => {
  t = testDatabase();
  clientId = seedDemoIfEmpty(t.db)!.clientId;
});

describe('examples/typed-client', () => {
  it('has its generated code committed as codegen makes it (run `npm run example:codegen` after a change)', async () => {
    const files = await generateTypedClient();
    expect([...files.keys()].sort()).toEqual(['src/gql/gql.ts', 'src/gql/graphql.ts', 'src/gql/index.ts', 'src/gql/persisted-documents.json']);
    for (const [file, content] of files) expect(readFileSync(join(EXAMPLE, file), 'utf8'), file).toBe(content);
    // Its operations live in two files: both are generated.
    expect(sourceFiles().map((file) => file.slice(EXAMPLE.length + 1))).toEqual(['codegen.ts', 'src/client.ts', 'src/decisions.ts', 'src/main.ts', 'src/operations.ts', 'src/usage.ts']);
    expect(files.get('src/gql/gql.ts')).toContain('mutation RestrictApp(');
    expect(files.get('src/gql/gql.ts')).toContain('mutation ApproveReviewedApps(');
  });

  it('codegen reads every .ts file of the example, nested ones too, but not its own output', async () => {
    const root = mkdtempSync(join(tmpdir(), 'appgov-codegen-'));
    try {
      const op = (name: string) => `export const ${name} = graphql(\`query ${name} { viewer { name } }\`);\n`;
      writeFileSync(join(root, 'first.ts'), op('FirstFile'));
      mkdirSync(join(root, 'src/pages'), { recursive: true });
      writeFileSync(join(root, 'src/pages/second.ts'), op('NestedFile'));
      mkdirSync(join(root, 'src/gql'), { recursive: true });
      writeFileSync(join(root, 'src/gql/gql.ts'), op('GeneratedOutput'));
      const gql = (await generateTypedClient(root)).get('src/gql/gql.ts')!;
      expect([gql.includes('query FirstFile'), gql.includes('query NestedFile'), gql.includes('query GeneratedOutput')]).toEqual([true, true, false]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('runs its three operations, sending only document ids under APPGOV_TRUSTED_DOCUMENTS', async () => {
    const yoga = createAppgovYoga({ db: t.db, config: loadConfig({ APPGOV_TRUSTED_DOCUMENTS: MANIFEST }) });
    const request = clientFor(yoga, issueToken(t.db, 'client', clientId, undefined, 'dashboard').token, true);

    expect(await approveReviewed(request, clientId, [designBoard.id, MISSING], 'Vendor review passed')).toEqual({
      approved: [designBoard.id],
      newlyApproved: [designBoard.id],
      notInCatalog: [MISSING],
    });
    await approveReviewed(request, clientId, [teamWiki.id], 'Pilot');

    const overview = await clientOverview(request, clientId);
    expect(overview?.apps.filter((app) => app.latest.length > 0)).toEqual([
      // The demo's pending install request is on Code Review Bot's history.
      { name: 'Code Review Bot', isApproved: false, latest: ['Dana asked for it (chat:write)'] },
      { name: 'Design Board', isApproved: true, latest: ['dashboard approved it (Vendor review passed)'] },
      { name: 'Team Wiki', isApproved: true, latest: ['dashboard approved it (Pilot)'] },
    ]);

    removeAppApprovals(t.db, { clientId, appIds: [teamWiki.id], actor: principalFor(t.db), maxIds: 10 });
    await approveReviewed(request, clientId, [teamWiki.id], 'Pilot extended');
    const sent: string[] = [];
    const counting: Request = (document, variables) => {
      sent.push(JSON.stringify(variables));
      return request(document, variables);
    };
    const history = await wholeHistory(counting, clientId, teamWiki.id, 1);
    expect(history.map((event) => event.typename)).toEqual(['ApprovalStatusChangedEvent', 'ApprovalStatusChangedEvent', 'ApprovalStatusChangedEvent']);
    expect(new Set(history.map((event) => event.id)).size).toBe(3);
    expect(history.every((event) => !Number.isNaN(Date.parse(event.createdAt)))).toBe(true);
    // One request per page, each passing the previous page's endCursor as `after`.
    expect(sent.map((v) => JSON.parse(v).after === null)).toEqual([true, false, false]);
  });

  it('is refused, with a code, when it sends text the manifest does not hold', async () => {
    const yoga = createAppgovYoga({ db: t.db, config: loadConfig({ APPGOV_TRUSTED_DOCUMENTS: MANIFEST }) });
    const token = issueToken(t.db, 'client', clientId).token;
    const error = await createAppgovClient({ url: 'http://appgov.test/graphql', token, fetch: (url, init) => yoga.fetch(url, init) })(
      parse('query Other { viewer { name } }') as TypedDocumentNode<{ viewer: { name: string } }, Record<string, never>>,
      {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppgovRequestError);
    expect((error as AppgovRequestError).code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('narrows history events by __typename, with DateTime as string (checked by tsc)', () => {
    type Event = NonNullable<ClientAppsWithHistoryQuery['client']>['apps']['nodes'][number]['history']['nodes'][number];
    const note: Event = { __typename: 'NoteAddedEvent', type: 'NOTE_ADDED', createdAt: '2026-11-21T10:00:00.000Z', actor: { name: 'ops' }, note: 'DPA signed' };
    expect(describeEvent(note)).toBe('ops noted: DPA signed');
    const typeChecks = (event: Event) => {
      const when: string = event.createdAt;
      // @ts-expect-error only the resolution changes have toResolution: narrow by __typename first
      const to: string = event.toResolution;
      if (event.__typename === 'ApprovalStatusChangedEvent') return [when, event.toResolution, to];
      // @ts-expect-error `type` is the whole enum on every member, so it does not narrow the union
      if (event.type === 'NOTE_ADDED') return event.note;
      return when;
    };
    expect(typeChecks(note)).toBe('DPA signed');
  });

  it('types @oneOf inputs as unions: exactly one key (checked by tsc)', () => {
    const byApp: RestrictAppMutationVariables = { app: { appId: MISSING }, at: { clientId } };
    const byRequest: RestrictAppMutationVariables = { app: { requestId: MISSING }, at: { workspaceId: MISSING } };
    // @ts-expect-error both keys of a @oneOf input
    const both: RestrictAppMutationVariables = { app: { appId: MISSING, requestId: MISSING }, at: { clientId } };
    // @ts-expect-error neither key
    const neither: RestrictAppMutationVariables = { app: {}, at: { clientId } };
    expect([byApp, byRequest, both, neither].length).toBe(4);
  });

  it('describes every event type, restrictions and clears included', async () => {
    const s = testDatabase();
    const { clientId: client } = seedTenant(s.db);
    const app = createApp(s.db, { id: uuid(1), name: 'Chat', codeName: 'chat', scopes: ['chat:write'] }).id;
    const ws = createWorkspace(s.db, { clientId: client, name: 'Sales', id: uuid(901) }).id;
    const actor = principalFor(s.db);
    const token = issueToken(s.db, 'internal', undefined, undefined, 'ops').token;
    const yoga = createAppgovYoga({ db: s.db, config: { maxBulkIds: 10 } });
    const request = clientFor(yoga, token);
    const asked = createInstallRequest(s.db, { clientId: client, workspaceId: ws, appId: app, scopes: ['chat:write'], requester: 'Ann', actor });
    const other = createInstallRequest(s.db, { clientId: client, workspaceId: ws, appId: app, requester: 'Bob', actor });
    cancelInstallRequest(s.db, { clientId: client, workspaceId: ws, requestId: other.id, reason: 'duplicate', actor });
    // Approved in the workspace by the request: the request is resolved too.
    const form = new URLSearchParams({ token, request_id: asked.id, team_id: ws }).toString();
    await rest(yoga, 'POST', '/api/admin.apps.approve', { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await restrictForClient(request, client, app, 'security review');
    await clearForClient(request, client, app);
    await approveReviewed(request, client, [app], 'review passed');
    updateAppCatalog(s.db, { appId: app, scopes: ['chat:write', 'files:read'], actor });
    await approveReviewed(request, client, [app], 're-approved');
    await clearForClient(request, client, app);
    updateApp(s.db, { clientId: client, appId: app, patch: { category: 'Chat' }, actor });
    addAppHistoryNote(s.db, { clientId: client, appId: app, note: 'DPA signed', actor });
    // An approval with an end, written down once the end has passed.
    approveApps(s.db, { clientId: client, appIds: [app], actor, maxIds: 10, expiresAt: new Date(Date.now() + 1000) });
    expireApprovals(s.db, new Date(Date.now() + 2000));

    const overview = await clientOverview(request, client, 100);
    expect(overview!.apps[0]!.latest.reverse()).toEqual([
      'Ann asked for it (chat:write)',
      'Bob asked for it (chat:write)',
      'internal test token cancelled an install request (duplicate)',
      `ops approved it in workspace ${ws}`,
      'ops approved a pending install request',
      'ops restricted it (security review)',
      `ops's org-wide restriction voided workspace ${ws}'s own approval`,
      'ops lifted its restriction',
      'ops approved it (review passed)',
      'its approval stopped counting: it now also requests files:read',
      'ops approved it (re-approved)',
      'ops removed its approval',
      'internal test token changed category to Chat',
      'internal test token noted: DPA signed',
      'internal test token approved it',
      'its approval reached the end it was given',
    ]);
    const types = await rest(yoga, 'GET', `/v2/clients/${client}/apps/${app}/history?limit=100`, { token });
    expect(new Set(types.body.data.map((e: { type: string }) => e.type.toUpperCase()))).toEqual(new Set(HISTORY_EVENT_TYPES));
    s.close();
  });

  it('runs as `npm run example:run` against a running server, printing each app with its latest events', async () => {
    const s = testDatabase();
    const demo = seedDemoIfEmpty(s.db)!;
    const yoga = createAppgovYoga({ db: s.db, config: { maxBulkIds: 10 } });
    await restrictForClient(clientFor(yoga, demo.token), demo.clientId, teamWiki.id, 'unreviewed');
    const server: Server = createHttpServer(yoga, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 100 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
      const script = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')).scripts['example:run'] as string;
      expect(script).toBe('tsx examples/typed-client/src/main.ts');
      const [command, ...args] = script.split(' ');
      const { stdout } = await run(join(import.meta.dirname, '../node_modules/.bin', command!), args, {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, APPGOV_URL: url, APPGOV_TOKEN: demo.token },
      });
      expect(stdout.split('\n')).toEqual([
        'Acme Corp (demo)',
        ...DEMO_APPS.slice()
          .sort((a, b) => a.name.localeCompare(b.name))
          .flatMap((app) =>
            app.id === teamWiki.id
              ? [`  ${app.name}: not approved`, '    demo admin restricted it (unreviewed)']
              : app.name === 'Code Review Bot'
                ? [`  ${app.name}: not approved`, '    Dana asked for it (chat:write)']
                : [`  ${app.name}: not approved`],
          ),
        '',
      ]);
      const refused = await run(join(import.meta.dirname, '../node_modules/.bin/tsx'), ['examples/typed-client/src/main.ts'], {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, APPGOV_URL: url, APPGOV_TOKEN: 'agv_unknown' },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('refused: UNAUTHENTICATED') });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      s.close();
    }
  }, 60_000);
});
