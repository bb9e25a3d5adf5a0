import { GraphQLError, Lexer, Source, TokenKind, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../config';
import { limitError } from './errors';

/**
 * The deepest nesting of `{`, `[` and `(` in a document, outside strings and
 * comments. A linear scan, so a document nested thousands deep is refused
 * before graphql-js's recursive parser could overflow the stack. Stops
 * counting once past `limit`.
 */
export function documentNesting(source: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        // Escaped \""" inside a block string: skip it and keep looking.
        let close = end;
        while (close > 0 && source[close - 1] === '\\') close = source.indexOf('"""', close + 3);
        i = close < 0 ? source.length : close + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++) if (source[i] === '\\') i++;
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      depth--;
    }
  }
  return deepest;
}

/** How many lexical tokens `source` holds, counting no further than `limit + 1`; null when it does not lex. */
export function documentTokens(source: string, limit: number): number | null {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > limit) break;
    }
  } catch {
    return null;
  }
  return count;
}

/**
 * Every document is bounded before it is parsed or cached: its nesting is
 * scanned first, then its tokens are counted (graphql-armor's max-tokens
 * counts the same way). Both hold for every document, introspection
 * included, and for documents that do not parse. Checked on the request's
 * parameters, so the refusal keeps its HTTP 400 whatever format is asked for.
 */
export function useDocumentLimits(limits: Pick<RequestLimits, 'maxTokens' | 'maxNesting' | 'maxAliases' | 'maxDirectives'>): Plugin {
  return {
    onParams({ params, setResult }) {
      const query = params.query;
      if (typeof query !== 'string') return;
      if (documentNesting(query, limits.maxNesting) > limits.maxNesting) {
        return setResult({
          errors: [limitError(`The document nests {, [ or ( more than ${limits.maxNesting} deep; the limit is ${limits.maxNesting}.`, 'nesting')],
        });
      }
      const tokens = documentTokens(query, limits.maxTokens);
      if (tokens !== null && tokens > limits.maxTokens) {
        return setResult({
          errors: [limitError(`The document has more than ${limits.maxTokens} tokens; the limit is ${limits.maxTokens}.`, 'tokens')],
        });
      }
    },
    onValidate({ addValidationRule }) {
      addValidationRule(countingRule('aliases', limits.maxAliases, 'aliased fields', (visit) => ({
        Field: (node) => {
          if (node.alias) visit();
        },
      })));
      addValidationRule(countingRule('directives', limits.maxDirectives, 'directives', (visit) => ({
        Directive: () => visit(),
      })));
    },
  };
}

/** A validation rule that counts nodes over the whole document and reports once past `max`. */
function countingRule(limit: string, max: number, what: string, visitor: (count: () => void) => ASTVisitor) {
  const rule = (context: ValidationContext): ASTVisitor => {
    let count = 0;
    return {
      ...visitor(() => {
        count++;
      }),
      Document: {
        leave: () => {
          if (count > max) {
            const error = limitError(`The document has ${count} ${what}; the limit is ${max}.`, limit);
            context.reportError(error);
          }
        },
      },
    };
  };
  Object.defineProperty(rule, 'name', { value: `Max${limit[0]!.toUpperCase()}${limit.slice(1)}` });
  return rule;
}

