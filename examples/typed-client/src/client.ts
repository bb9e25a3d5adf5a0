import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface AppgovClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** A bearer token (`npx appgov token create`). */
  token: string;
  /**
   * Send only each document's hash (`{"documentId": "sha256:…"}`), for a server started with
   * APPGOV_TRUSTED_DOCUMENTS pointing at this example's src/gql/persisted-documents.json.
   */
  trustedDocuments?: boolean;
  fetch?: (url: string, init: RequestInit) => Promise<Response> | Response;
}

/** A GraphQL error the server answered with; `code` is its `extensions.code`. */
export class AppgovRequestError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => e.message).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export type Request = <TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables) => Promise<TResult>;

/** One typed call: the document fixes the variables' type and the result's. */
export function createAppgovClient(options: AppgovClientOptions): Request {
  const send = options.fetch ?? fetch;
  return async <TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> => {
    const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
    const body = options.trustedDocuments && hash ? { documentId: hash, variables } : { query: print(document), variables };
    const response = await send(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
    });
    const result = (await response.json()) as { data?: unknown; errors?: AppgovRequestError['errors'] };
    if (result.errors?.length) throw new AppgovRequestError(result.errors);
    return result.data as TResult;
  };
}
