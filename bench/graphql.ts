/** Posting one operation through yoga.fetch (the whole HTTP stack, no port), timed. */
import type { AppgovYoga } from '../src/yoga';

export interface Posted<T> {
  /** From just before yoga.fetch until the response body has been read. */
  ms: number;
  status: number;
  data: T;
}

interface Body<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Times one request; any HTTP or GraphQL error stops the bench, so no failed call is ever measured as a fast one. */
export async function post<T>(
  yoga: AppgovYoga,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Posted<T>> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  };
  const start = performance.now();
  const response = await yoga.fetch('http://appgov.bench/graphql', init);
  const text = await response.text();
  const ms = performance.now() - start;
  const body = JSON.parse(text) as Body<T>;
  if (response.status !== 200 || body.errors?.length || !body.data) {
    throw new Error(`request failed (HTTP ${response.status}): ${text.slice(0, 500)}`);
  }
  return { ms, status: response.status, data: body.data };
}
