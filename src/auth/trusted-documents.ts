import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TokenKind } from '../db/schema';
import { TrustedDocumentNotFoundError, TrustedDocumentRequiredError } from '../errors';
import { settledPrincipal } from './tokens';

/** Trusted documents: id (as the manifest names it, e.g. `sha256:<hex>`) → operation text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

/**
 * Reads a manifest in the format codegen's client preset writes with `persistedDocuments`
 * (a JSON object, id → document). Throws a plain Error naming what is wrong; config.ts
 * reports it against APPGOV_TRUSTED_DOCUMENTS.
 */
export function readTrustedDocuments(path: string): TrustedDocuments {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new Error(`${path} must hold a JSON object of document id → operation`);
  }
  const documents = new Map<string, string>();
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== 'string') throw new Error(`${path}: document ${id} is not a string`);
    try {
      parse(text);
    } catch (error) {
      throw new Error(`${path}: document ${id} is not GraphQL: ${(error as Error).message}`);
    }
    documents.set(id, text);
  }
  return documents;
}

interface TrustedParams {
  query?: string;
  documentId?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/** The id a request names: `documentId` (GraphQL over HTTP), or Apollo's `persistedQuery` hash. */
function documentIdOf(params: TrustedParams): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const hash = params.extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? `sha256:${hash}` : null;
}

/**
 * With a manifest configured: a request may name a trusted document by id (for every caller),
 * and a token of one of `kinds` may run only trusted documents: an operation sent as text runs
 * only when the text is exactly a trusted document's. Other tokens, and requests without a token
 * (which reach no client data), may still send any operation.
 */
export function useTrustedDocuments(options: {
  documents: TrustedDocuments;
  kinds: readonly TokenKind[];
  /** Operations the server itself sends (the REST/Slack route table's): trusted as text too. */
  serverOperations?: readonly string[];
}): Plugin {
  const trustedTexts = new Set([...options.documents.values(), ...(options.serverOperations ?? [])]);
  const mustUseTrusted = (request: Request): boolean => {
    try {
      // Looked up when the request arrived (usePrincipalLookup); the routes look theirs up before they run.
      const principal = settledPrincipal(request);
      return principal != null && options.kinds.includes(principal.kind);
    } catch {
      // A malformed or unknown token: the request context answers UNAUTHENTICATED.
      return false;
    }
  };
  return {
    onParams({ params, request, setParams }) {
      const trustedParams = params as typeof params & TrustedParams;
      const documentId = documentIdOf(trustedParams);
      if (documentId !== null) {
        const query = options.documents.get(documentId);
        if (query === undefined) throw new TrustedDocumentNotFoundError(documentId);
        setParams({ ...params, query });
        return;
      }
      if (params.query === undefined || trustedTexts.has(params.query)) return;
      if (mustUseTrusted(request)) throw new TrustedDocumentRequiredError(options.kinds);
    },
  };
}
