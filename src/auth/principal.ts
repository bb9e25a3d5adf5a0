import type { TokenKind } from '../db/schema';

// Alphabetical: the generated schema sorts the Scope enum, and the two orders stay equal.
export const SCOPES = ['apps:read', 'apps:request', 'apps:write', 'webhooks:write'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling: the token behind the request. History records it as the actor. */
export interface Principal {
  tokenId: string;
  kind: TokenKind;
  name: string;
  /** The one client a `client` token may act on; null for `internal` tokens. */
  clientId: string | null;
  scopes: readonly Scope[];
  /** The one directory a `directory` token acts for; absent or null for other kinds. */
  directoryId?: string | null;
  /**
   * Businesses of a directory token's directory that this request has already
   * authorized (authorizeClient adds them), so nested client-scoped fields
   * check tenancy without another lookup. Built fresh per request.
   */
  authorizedBusinessIds?: Set<string>;
}
