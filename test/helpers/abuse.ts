import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { AppgovYoga } from '../../src/yoga';
import { errorCodes, gql, type GraphQLResponse } from './graphql';
import { tableCounts } from './tables';

/** How long /livez and another tenant's small read may take while an abusive request runs. */
export const PROBE_BOUND_MS = 1000;

async function timed<T>(work: T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** A bystander: another tenant's read token and the name its small read must return. */
export interface Bystander {
  clientId: string;
  clientName: string;
  token: string;
}

/**
 * Sends the abusive request and, at the same moment, a `/livez` and a
 * bystander's small read; both must answer correctly within the bound.
 * Asserts that the database is unchanged afterwards; returns the abusive response.
 */
export async function abuse(
  sqlite: Database.Database,
  server: AppgovYoga,
  bystander: Bystander,
  send: (server: AppgovYoga) => Promise<GraphQLResponse>,
): Promise<GraphQLResponse> {
  const before = tableCounts(sqlite);
  const [response, livez, read] = await Promise.all([
    send(server),
    timed(server.fetch('http://appgov.test/livez')),
    timed(gql(server, `query ($c: ID!) { client(id: $c) { name } }`, { c: bystander.clientId }, bystander.token)),
  ]);
  expect(livez.value.status).toBe(200);
  expect(livez.ms).toBeLessThan(PROBE_BOUND_MS);
  expect(read.value.body).toEqual({ data: { client: { name: bystander.clientName } } });
  expect(read.ms).toBeLessThan(PROBE_BOUND_MS);
  expect(tableCounts(sqlite)).toEqual(before);
  return response;
}

/** A request-level limit refusal: BAD_USER_INPUT, `extensions.limit`, HTTP 400, no data. */
export function expectLimit(res: GraphQLResponse, limit: string, status = 400) {
  expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  expect(res.body.errors![0]!.extensions!.limit).toBe(limit);
  expect(res.status).toBe(status);
  expect(res.body.data ?? null).toBeNull();
}

/** POSTs a raw body (oversized, or not JSON-encoded by gql). */
export async function postRaw(server: AppgovYoga, body: string, token?: string): Promise<GraphQLResponse> {
  const response = await server.fetch('http://appgov.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
