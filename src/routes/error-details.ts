/** Helpers every protocol's `errorReply` shares: what of a GraphQL error's extensions a client sees. */

/** What a masked error says, in every protocol. */
export const MASKED_ERROR = { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } as const;

/** Seconds to wait, from a GraphQL error's `retryAfter` extension or its HTTP `Retry-After` header. */
export function retryAfterOf(details: Readonly<Record<string, unknown>>): string | null {
  if (typeof details.retryAfter === 'number' || typeof details.retryAfter === 'string') return String(details.retryAfter);
  const http = details.http as { headers?: Record<string, unknown> } | undefined;
  const header = http?.headers && Object.entries(http.headers).find(([name]) => name.toLowerCase() === 'retry-after');
  return header ? String(header[1]) : null;
}

/** Extensions that describe transport, not the error: never part of an error body. */
export function publicDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { http: _http, ...rest } = details;
  return rest;
}
