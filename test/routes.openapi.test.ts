import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/routes';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { testDatabase } from './helpers/db';
import { rest } from './helpers/rest';

let yoga: AppgovYoga;
let doc: any;

beforeAll(async () => {
  const t = testDatabase();
  seedDemoIfEmpty(t.db);
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
  // No token needed: the document describes the API, it holds no data.
  const res = await rest(yoga, 'GET', '/v2/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});

describe('GET /v2/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('lists every row of the route table, and nothing else', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('describes bodies, parameters and statuses from the rows', () => {
    const approve = doc.paths['/v2/clients/{client_id}/apps/approval'].post;
    expect(approve.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['app_ids'],
      properties: { app_ids: { type: 'array', items: { type: 'string' } }, reason: { type: ['string', 'null'] }, dry_run: { type: 'boolean' } },
    });
    // Only statuses the row can answer with: a body brings 408/413/415, a stale version (PATCH only) 409.
    expect(Object.keys(approve.responses).sort()).toEqual(['200', '400', '401', '403', '404', '405', '408', '413', '415', '429', '500', '503']);
    const patch = doc.paths['/v2/clients/{client_id}/apps/{app_id}'].patch;
    expect(Object.keys(patch.responses).sort()).toEqual(['200', '400', '401', '403', '404', '405', '408', '409', '413', '415', '429', '500', '503']);
    const get = doc.paths['/v2/clients/{client_id}/apps/{app_id}'].get;
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '405', '429', '500', '503']);
    const note = doc.paths['/v2/clients/{client_id}/apps/{app_id}/history/notes'].post;
    expect(note.responses['201'].description).toBe('The note_added event.');
    const history = doc.paths['/v2/clients/{client_id}/apps/{app_id}/history'].get;
    expect(history.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:client_id',
      'path:app_id',
      'query:limit',
      'query:cursor',
      'query:types',
    ]);
  });

  it("docs/rest.md's history row names every event type the document has, with each of its metadata keys", () => {
    const page = readFileSync(join(import.meta.dirname, '../docs/rest.md'), 'utf8');
    const row = page.split('\n').find((line) => line.startsWith('| `GET /v2/clients/{client_id}/apps/{app_id}/history'))!;
    const history = doc.paths['/v2/clients/{client_id}/apps/{app_id}/history'].get.responses['200'].content['application/json'].schema;
    const events: any[] = history.properties.data.items.oneOf;
    expect(events.length).toBeGreaterThan(5);
    for (const event of events) {
      const type: string = event.properties.type.const;
      const keys = Object.keys(event.properties.metadata?.properties ?? { note: {} });
      const described = new RegExp('`' + type + '`: `([^`]*)`').exec(row)?.[1] ?? (type === 'note_added' && row.includes('`note` (`note_added`)') ? 'note' : null);
      expect(described, type).not.toBeNull();
      expect(described!.replace(/\[[^\]]*\]/g, '').split(',').map((key) => key.trim()).sort(), type).toEqual(keys.sort());
    }
  });

  it('answers 405 to other methods', async () => {
    const res = await rest(yoga, 'POST', '/v2/openapi.json', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
