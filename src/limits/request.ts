/**
 * How /graphql reads a request into GraphQL parameters, in place of Yoga's own parsers for GET,
 * JSON and form bodies: every way a request can be unreadable gets a coded GraphQL error that
 * says what is wrong and how to send it, and nothing of the body or of the JSON parser's message
 * is echoed. JSON is scanned once (src/limits/json.ts), then parsed by JSON.parse (neither
 * recurses): an object that repeats a key is refused, and so are `variables` or `extensions`
 * nested deeper than APPGOV_MAX_NESTING, before anything recursive (the rate limiter's cost,
 * graphql-js's coercion) walks them.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../config';
import { readBodyBytes } from './body';
import { limitError } from './errors';
import { formatJsonPath, jsonProblem } from './json';

/** The parameters a GET query string or a form body may carry, as Yoga reads them. */
const PARAMS = ['query', 'variables', 'operationName', 'extensions'] as const;
/** The parameters that hold JSON. */
const JSON_PARAMS = new Set(['variables', 'extensions']);

const HOW_TO_SEND = 'Send the operation as JSON: "Content-Type: application/json" and a body like {"query": "{ viewer { id } }", "variables": {}}';

function requestError(message: string, code: string, status: number, details: Record<string, unknown> = {}): GraphQLError {
  // No `spec`: the status holds whatever response type the client accepts, since nothing was executed.
  return new GraphQLError(message, { extensions: { code, ...details, http: { status } } });
}

const badRequest = (message: string, details?: Record<string, unknown>) => requestError(message, 'BAD_REQUEST', 400, details);

/** The media type of a request (lowercase, without parameters), or null. */
function mediaType(request: Request): string | null {
  const header = request.headers.get('content-type');
  return header?.split(/[;,]/)[0]!.trim().toLowerCase() || null;
}

/**
 * Parses one JSON text of the request and refuses its problems. `where` names it in messages
 * ("The body", "The query parameter "variables""); `prefix` is the path of the text inside the
 * request body. The nesting limit counts inside each variable's value (and each extension's):
 * `{"v": [[1]]}` nests `$v` 2 deep, in a body or in a query parameter alike.
 */
function parseJson(text: string, where: string, prefix: readonly string[], maxNesting: number): unknown {
  // Scanned first: a body nested 50,000 deep is refused in a fraction of what parsing it costs.
  // Above the values counted: the body object (a body only) and the variables object.
  const problem = jsonProblem(text, maxNesting + (prefix.length === 0 ? 2 : 1));
  if (problem !== null) {
    const path = [...prefix, ...problem.path];
    if (problem.kind === 'duplicate-key') {
      const key = formatJsonPath(path);
      throw badRequest(`${where} gives the key ${key} more than once: each key may appear once.`, { field: key });
    }
    // `path[0]` names the parameter (variables, extensions); a variable is named as in the document.
    const field = path[0] === 'variables' && typeof path[1] === 'string' ? `$${path[1]}` : String(path[0] ?? 'body');
    throw limitError(`${field} nests [ and { more than ${maxNesting} deep; the limit is ${maxNesting}.`, 'nesting', { field });
  }
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body: not passed on.
    const hint = prefix.length === 0 ? HOW_TO_SEND : `Send a URL-encoded JSON object, e.g. ${prefix[0]}=%7B%22id%22%3A%221%22%7D for {"id":"1"}`;
    throw badRequest(`${where} is not valid JSON. ${hint}.`, prefix.length === 0 ? {} : { field: prefix[0] });
  }
}

/** Yoga's parameters from a query string or a form body: each at most once, JSON ones parsed as such. */
function paramsFromSearch(search: URLSearchParams, where: 'query parameter' | 'form field', maxNesting: number): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const [name, value] of search) {
    if (!(PARAMS as readonly string[]).includes(name)) continue;
    if (seen.has(name)) throw badRequest(`The ${where} "${name}" is given more than once: give each once.`, { field: name });
    seen.add(name);
    if (value === '') continue;
    params[name] = JSON_PARAMS.has(name) ? parseJson(value, `The ${where} "${name}"`, [name], maxNesting) : value;
  }
  return params;
}

/**
 * Sets the parser of every /graphql request Yoga would parse with its own GET, JSON or form
 * parser, and refuses any other body type (Yoga answered 415 with an empty body). Multipart and
 * `application/graphql` bodies keep Yoga's parsers. useBodyLimit (below) then wraps whichever
 * parser is chosen, so a body over APPGOV_MAX_BODY_BYTES is 413 before it is read whole.
 */
export function useRequestReading(limits: Pick<RequestLimits, 'maxNesting'>): Plugin {
  const { maxNesting } = limits;
  return {
    onRequestParse({ request, url, setRequestParser }) {
      if (request.method === 'GET') {
        setRequestParser(() => paramsFromSearch(url.searchParams, 'query parameter', maxNesting));
        return;
      }
      if (request.method !== 'POST') return;
      const type = mediaType(request);
      if (type === 'application/json' || type === 'application/graphql+json') {
        setRequestParser(async (limited) => {
          const value = parseJson(await limited.text(), 'The body', [], maxNesting);
          if (value === null || typeof value !== 'object') {
            throw badRequest(`The JSON body must be an object: {"query": "…", "variables": {…}}; got ${value === null ? 'null' : typeof value}.`);
          }
          return value as Record<string, unknown>;
        });
      } else if (type === 'application/x-www-form-urlencoded') {
        setRequestParser(async (limited) => {
          const params = paramsFromSearch(new URLSearchParams(await limited.text()), 'form field', maxNesting);
          if (params.query === undefined) {
            throw badRequest(
              'The form body has no "query" field (plain "curl -d" sends a form). Send the operation as JSON: add -H "Content-Type: application/json" and a body like {"query": "{ viewer { id } }", "variables": {}}.',
            );
          }
          return params;
        });
      } else if (type !== 'multipart/form-data' && type !== 'application/graphql') {
        setRequestParser(() => {
          throw requestError(`${HOW_TO_SEND}; got ${type ?? 'no Content-Type'}.`, 'UNSUPPORTED_MEDIA_TYPE', 415, { accepted: ['application/json'] });
        });
      }
    },
  };
}

/**
 * APPGOV_MAX_BODY_BYTES on /graphql, in place of Yoga's own body limit: a declared Content-Length
 * over it (or not a plain number) is refused before anything is read, as Yoga refuses it, and a
 * body without one is counted while it is read, in chunks, then handed to the parser whole.
 * Yoga's limit piped every body through a TransformStream, whose stream pipeline built and
 * aborted an AbortController per request (a DOMException each: about 7% of the server's CPU on a
 * `{ __typename }` POST, garbage collection included). Placed after useRequestReading, so it
 * wraps whichever parser that chose (ours for JSON and forms, Yoga's for multipart and
 * application/graphql).
 */
export function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () =>
    requestError(`The body is larger than ${maxBytes} bytes, this server's limit (APPGOV_MAX_BODY_BYTES).`, 'REQUEST_ENTITY_TOO_LARGE', 413, { limit: 'bodyBytes', max: maxBytes });
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!/^\d+$/.test(declared)) throw badRequest('Content-Length header is invalid.');
        if (Number(declared) > maxBytes) throw tooLarge();
      }
      if (!requestParser || request.body === null) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        const body = await readBodyBytes(req, maxBytes, tooLarge);
        return parse(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body: body as Uint8Array<ArrayBuffer> }));
      });
    },
  };
}
