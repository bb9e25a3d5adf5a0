import { readFileSync } from 'node:fs';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateTypedClient } from '../examples/typed-client/codegen';
import { AppgovRequestError, createAppgovClient, type Request } from '../examples/typed-client/src/client';
import type { ClientAppsWithHistoryQuery } from '../examples/typed-client/src/gql/graphql';
import { approveReviewed, clientOverview, describeEvent, wholeHistory } from '../examples/typed-client/src/usage';
import { loadConfig } from '../src/config';
import { DEMO_APPS, seedDemoIfEmpty } from '../src/services/demo';
import { removeAppApprovals } from '../src/services/approvals';
import { issueToken, principalFor, testDatabase } from './helpers/db';
import { createAppgovYoga, type AppgovYoga } from '../src/yoga';

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
      { name: 'Code Review Bot', isApproved: false, latest: ['INSTALL_REQUEST_CREATED by demo admin'] },
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
      // @ts-expect-error only ApprovalStatusChangedEvent has isApproved: narrow by __typename first
      const approved: boolean = event.isApproved;
      if (event.__typename === 'ApprovalStatusChangedEvent') return [when, event.isApproved, approved];
      // @ts-expect-error `type` is the whole enum on every member, so it does not narrow the union
      if (event.type === 'NOTE_ADDED') return event.note;
      return when;
    };
    expect(typeChecks(note)).toBe('DPA signed');
  });
});
