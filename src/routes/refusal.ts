/**
 * Refusals made before the route table runs (rate budget, in-flight bound, connection limits,
 * timeouts) in the protocol of the request's path: the Slack shape under `/api`, the REST
 * `{"error": …}` under `/v2`, `/v3` and `/platform/v1` (with v1's deprecation headers), and a
 * GraphQL `{"errors": […]}` everywhere else. One place, so every early refusal agrees with what
 * the route would have answered for the same code.
 */
import { publicDetails, retryAfterOf } from './error-details';
import type { RouteTable } from './compile';
import { RouteError } from './table';

export interface Refusal {
  /** The GraphQL `extensions.code`: RATE_LIMITED, UNAVAILABLE, REQUEST_TIMEOUT, PAYLOAD_TOO_LARGE. */
  code: string;
  message: string;
  /** Other extensions, e.g. `retryAfter` (seconds; also sent as Retry-After). */
  details?: Readonly<Record<string, unknown>>;
}

export interface RefusalReply {
  status: number;
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
}

/** The HTTP status of a refusal on a path no protocol owns (GraphQL's own statuses for these codes). */
const GRAPHQL_STATUS: Readonly<Record<string, number>> = {
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** The `headers` of the row serving `pathname` (the most literal match; a path's rows share them), or none. */
function rowHeadersOf(table: RouteTable, pathname: string): Readonly<Record<string, string>> {
  let best: RouteTable['routes'][number] | undefined;
  for (const route of table.routes) {
    if (route.pattern.test(pathname) && (!best || route.literals > best.literals)) best = route;
  }
  return best?.row.headers ?? {};
}

export function refusalReply(table: RouteTable, pathname: string, refusal: Refusal): RefusalReply {
  const details = refusal.details ?? {};
  const protocol = table.protocolFor(pathname);
  if (protocol) {
    const reply = protocol.errorReply(new RouteError(refusal.code, refusal.message, details));
    return {
      status: reply.status ?? 200,
      // The headers a row sends with every answer (Slack's X-Accepted-OAuth-Scopes), as the route itself would.
      headers: { ...rowHeadersOf(table, pathname), ...reply.headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(reply.body),
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const retryAfter = retryAfterOf(details);
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  return {
    status: GRAPHQL_STATUS[refusal.code] ?? 500,
    headers,
    body: JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code, ...publicDetails(details) } }] }),
  };
}
