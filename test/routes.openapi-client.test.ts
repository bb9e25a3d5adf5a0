/**
 * A client generated from /v2/openapi.json works, the way a user makes one: openapi-typescript
 * (its Node API: `openapiTS(doc)` + `astToString`) turns the served document into types, a small
 * program calls the server through openapi-fetch with them, the project's `tsc` checks it
 * (strict), and tsx runs it against a live server on loopback. The program narrows history
 * events on `type` and reads each type's own `metadata`, reads bulk results, and reads a 404
 * through the typed `error`: a document whose shapes drift from what the program (and the
 * server) use fails the type check, as the last test shows.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http';
import { createApp } from '../src/services/apps';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { rest } from './helpers/rest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const APP = uuid(1);
const MISSING = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

/** The program a user would write against the generated `paths`. */
const CLIENT = /* ts */ `
import createClient from 'openapi-fetch';
import type { components, paths } from './appgov';

type HistoryEvent = NonNullable<paths['/v2/clients/{client_id}/apps/{app_id}/history']['get']['responses']['200']['content']['application/json']['data']>[number];

/** One line per event: \`type\` narrows the union, each branch reads its own metadata. */
function describe(event: HistoryEvent): string {
  switch (event.type) {
    case 'approval_status_changed':
      return \`\${event.actor.kind} moved it from \${event.metadata.from_resolution} to \${event.metadata.to_resolution}\`;
    case 'workspace_resolution_changed':
      return \`workspace \${event.metadata.workspace_id}: \${event.metadata.from_resolution} -> \${event.metadata.to_resolution}\`;
    case 'note_added':
      return \`note: \${event.note}\`;
    case 'app_updated':
      return \`changed \${event.metadata.changes.map((c) => c.field).join(', ')}\`;
    default:
      return event.type;
  }
}

const [base, token, clientId, appId, missing] = process.argv.slice(2) as [string, string, string, string, string];
const client = createClient<paths>({ baseUrl: base, headers: { authorization: \`Bearer \${token}\` } });

const approved = await client.POST('/v2/clients/{client_id}/apps/approval', {
  params: { path: { client_id: clientId } },
  body: { app_ids: [appId, missing], reason: 'typed client' },
});
if (!approved.data) throw new Error(\`approve failed: \${approved.response.status}\`);
const succeeded: string[] = approved.data.succeeded;
const failed: { id: string; code: 'APP_NOT_FOUND' }[] = approved.data.failed;

await client.POST('/v2/clients/{client_id}/apps/{app_id}/history/notes', {
  params: { path: { client_id: clientId, app_id: appId } },
  body: { note: 'checked' },
});

const history = await client.GET('/v2/clients/{client_id}/apps/{app_id}/history', {
  params: { path: { client_id: clientId, app_id: appId }, query: { limit: 10, types: 'approval_status_changed,note_added' } },
});
if (!history.data) throw new Error(\`history failed: \${history.response.status}\`);
const next: string | null = history.data.next_cursor;

const unknown = await client.GET('/v2/clients/{client_id}/apps/{app_id}', { params: { path: { client_id: clientId, app_id: missing } } });
const error: components['schemas']['restError'] | undefined = unknown.error;

console.log(JSON.stringify({
  succeeded,
  failed: failed.map((f) => f.code),
  history: history.data.data.map(describe),
  next,
  error: { status: unknown.response.status, code: error?.error.code, data: unknown.data ?? null },
}));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: 'ESNext',
    moduleResolution: 'Bundler',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

let dir: string;
let server: Server;
let base: string;
let token: string;
let clientId: string;
let served: Record<string, any>;

/** Writes types generated from `doc` and the program into `dir`, and type-checks them with the project's tsc. */
async function generateAndCheck(doc: Record<string, unknown>): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(dir, 'appgov.ts'), astToString(await openapiTS(doc as never)));
  writeFileSync(join(dir, 'main.ts'), CLIENT);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  try {
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { cwd: dir });
    return { ok: true, output: '' };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appgov-openapi-client-'));
  // The program imports openapi-fetch as a user's project would: from its node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', codeName: 'chat' });
  createWorkspace(t.db, { clientId, name: 'Sales', id: uuid(901) });
  token = issueToken(t.db, 'internal', undefined, undefined, 'typed client').token;
  const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
  served = (await rest(yoga, 'GET', '/v2/openapi.json')).body;
  server = createHttpServer(yoga, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('a client generated from /v2/openapi.json (openapi-typescript + openapi-fetch)', () => {
  it('type-checks (strict) and runs against a live server: bulk approve, history, a 404 through the typed error', async () => {
    const checked = await generateAndCheck(served);
    expect(checked.output).toBe('');
    expect(checked.ok).toBe(true);
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsx'), [join(dir, 'main.ts'), base, token, clientId, APP, MISSING], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({
      succeeded: [APP],
      failed: ['APP_NOT_FOUND'],
      history: ['note: checked', 'internal_token moved it from unresolved to approved'],
      next: null,
      error: { status: 404, code: 'NOT_FOUND', data: null },
    });
  }, 60_000);

  it('a document that drifted from the shapes the server returns fails the type check', async () => {
    const drifted = structuredClone(served);
    // As if the bulk result lost `succeeded` and the status change its `to_resolution`.
    const approve = drifted.paths['/v2/clients/{client_id}/apps/approval'].post.responses['200'].content['application/json'].schema;
    delete approve.properties.succeeded;
    approve.required = approve.required.filter((key: string) => key !== 'succeeded');
    const history = drifted.paths['/v2/clients/{client_id}/apps/{app_id}/history'].get.responses['200'].content['application/json'].schema;
    const changed = history.properties.data.items.oneOf.find((s: any) => s.properties.type.const === 'approval_status_changed');
    delete changed.properties.metadata.properties.to_resolution;
    changed.properties.metadata.required = changed.properties.metadata.required.filter((key: string) => key !== 'to_resolution');
    const checked = await generateAndCheck(drifted);
    expect(checked.ok).toBe(false);
    expect(checked.output).toMatch(/main\.ts.*'succeeded'/);
    expect(checked.output).toMatch(/main\.ts.*'to_resolution'/);
  }, 60_000);
});
