import type { AppgovYoga } from '../../src/yoga';
import { checkRouteResponse } from './openapi-conformance';

export interface RestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** One HTTP call through yoga.fetch. `body` is sent as JSON unless it is already a string or a stream (sent as it comes). */
export async function rest(
  yoga: AppgovYoga,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<RestResponse> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  const body = options.body;
  const response = await yoga.fetch(`http://appgov.test${path}`, {
    method,
    headers,
    ...(body === undefined
      ? {}
      : body instanceof ReadableStream
        ? { body, duplex: 'half' }
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  } as RequestInit);
  const text = await response.text();
  const result = { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
  // Every answer of a route must be what /v2/openapi.json says it is (drift fails the test that met it).
  checkRouteResponse({ method, url: path, ...result });
  return result;
}
