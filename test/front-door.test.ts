import { describe, expect, it } from 'vitest';
import { createAppgovYoga } from './helpers/yoga';
import { testDatabase } from './helpers/db';

/** GET /, what a browser opens first (issue 18 item 14). */
describe('GET /', () => {
  const t = testDatabase();

  it('answers a browser with a small page that links GraphiQL, the OpenAPI document and /health', async () => {
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, graphiql: true } });
    const res = await yoga.fetch('http://localhost/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const page = await res.text();
    const links = [...page.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(['/graphql', '/v2/openapi.json', '/health']);
    expect(page).not.toMatch(/agv_|Bearer/);
  });

  it('answers anything else with the same as JSON; without GraphiQL it says so', async () => {
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, graphiql: false } });
    const res = await yoga.fetch('http://localhost/');
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await res.json()).toEqual({ service: 'appgov', graphql: '/graphql', graphiql: null, openapi: '/v2/openapi.json', health: '/health' });
    // Every path it names answers.
    for (const path of ['/v2/openapi.json', '/health']) expect((await yoga.fetch(`http://localhost${path}`)).status).toBe(200);
  });

  it('is GET only: another method on / is still not found', async () => {
    const yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    expect((await yoga.fetch('http://localhost/', { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
