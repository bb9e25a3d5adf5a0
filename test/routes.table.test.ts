import { describe, expect, it } from 'vitest';
import { RouteTable } from '../src/routes/compile';
import { ROUTES } from '../src/routes';
import { restProtocol } from '../src/routes/rest';
import { route, type RouteRow } from '../src/routes/table';
import { schema } from '../src/schema';

const row = (overrides: Partial<RouteRow>): RouteRow =>
  route({
    method: 'GET',
    path: '/v2/things/{id}',
    protocol: restProtocol,
    summary: 'test row',
    operation: '{ viewer { id } }',
    variables: () => ({}),
    respond: () => ({}),
    response: { status: 200, description: 'ok' },
    ...overrides,
  });

describe('compiling the route table', () => {
  it('compiles every row of ROUTES', () => {
    expect(new RouteTable(ROUTES, schema).routes.length).toBe(ROUTES.length);
  });

  it('refuses an operation that is not GraphQL, naming the row', () => {
    expect(() => new RouteTable([row({ operation: 'query {' })], schema)).toThrow(
      /^route GET \/v2\/things\/\{id\}: the operation is not GraphQL: Syntax Error/,
    );
  });

  it('refuses an operation that does not fit the schema', () => {
    expect(() => new RouteTable([row({ operation: '{ viewer { nope } }' })], schema)).toThrow(
      'route GET /v2/things/{id}: the operation does not fit the schema: Cannot query field "nope" on type "Viewer".',
    );
  });

  it('refuses an operation text with two operations, a duplicate row and a repeated path parameter', () => {
    expect(() => new RouteTable([row({ operation: 'query A { viewer { id } } query B { viewer { id } }' })], schema)).toThrow(
      'route GET /v2/things/{id}: the operation text must hold exactly one operation',
    );
    expect(() => new RouteTable([row({}), row({})], schema)).toThrow('route GET /v2/things/{id} is in the table twice');
    expect(() => new RouteTable([row({ path: '/v2/{id}/{id}' })], schema)).toThrow('path parameter {id} appears twice');
  });

  it('still matches a route outside its protocol\'s prefixes (paths under no prefix are otherwise no route\'s, untried)', () => {
    const table = new RouteTable([row({ path: '/elsewhere/{id}' }), row({ path: '/v2/things/{id}', method: 'DELETE' })], schema);
    expect(table.match('/elsewhere/abc', 'GET')).toMatchObject({ kind: 'route', path: { id: 'abc' } });
    expect(table.match('/graphql', 'POST')).toBeNull();
  });

  it('matches literal segments before parameters, and answers 405 and 404 under a known prefix', () => {
    const table = new RouteTable(
      [row({ path: '/v2/things/{id}' }), row({ method: 'POST', path: '/v2/things/special' }), row({ method: 'DELETE', path: '/v2/things/{id}' })],
      schema,
    );
    expect(table.match('/v2/things/abc%20d', 'GET')).toMatchObject({ kind: 'route', path: { id: 'abc d' } });
    expect(table.match('/v2/things/special', 'POST')).toMatchObject({ kind: 'route', route: { row: { path: '/v2/things/special' } } });
    expect(table.match('/v2/things/special', 'GET')).toMatchObject({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(table.match('/v2/things/abc', 'PATCH')).toMatchObject({ kind: 'method-not-allowed', allow: ['GET', 'DELETE'] });
    expect(table.match('/v2/other', 'GET')).toMatchObject({ kind: 'unknown-path' });
    expect(table.match('/v2', 'GET')).toMatchObject({ kind: 'unknown-path' });
    expect(table.match('/v20/things/abc', 'GET')).toBeNull();
    expect(table.match('/graphql', 'POST')).toBeNull();
  });
});
