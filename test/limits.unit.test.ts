import { getIntrospectionQuery, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentNesting, documentTokens } from '../src/limits/document';
import { introspectionCost } from '../src/limits/introspection';
import { BoundedDocumentCache, boundedParserCache, stringLiteralChars } from '../src/limits/parse-cache';
import { schema } from '../src/schema';

describe('documentNesting', () => {
  it('counts {, [ and ( together', () => {
    expect(documentNesting('{ a(x: [[1]]) { b } }', 100)).toBe(4);
    expect(documentNesting('query { a { b { c } } }', 100)).toBe(3);
  });

  it('ignores brackets in strings, block strings and comments', () => {
    expect(documentNesting('{ a(s: "{{{[[[(((\\"{{") }', 100)).toBe(2);
    expect(documentNesting('{ a(s: """ {{{ \\""" {{ """) }', 100)).toBe(2);
    expect(documentNesting('{ a # {{{{{{\n b }', 100)).toBe(1);
  });

  it('stops counting past the limit', () => {
    expect(documentNesting('['.repeat(1_000_000), 32)).toBe(33);
  });
});

describe('documentTokens', () => {
  it('counts lexical tokens as graphql-js does (commas and comments are not tokens)', () => {
    expect(documentTokens('{ a, b } # c d e', 100)).toBe(4);
    expect(documentTokens('{ x(ids: ["a", "b", "c"]) }', 100)).toBe(12);
  });

  it('stops at limit + 1, and answers null for text that does not lex', () => {
    expect(documentTokens('{ a }'.repeat(1000), 50)).toBe(51);
    expect(documentTokens('{ a ~ }', 50)).toBeNull();
  });
});

describe('BoundedDocumentCache', () => {
  const key = (i: number, length = 100) => `${i}`.padEnd(length, 'x');
  const cost = BoundedDocumentCache.cost(key(0));

  it('evicts the least recently used entries to stay under its bytes', () => {
    const cache = new BoundedDocumentCache<number>(cost * 20);
    for (let i = 0; i < 30; i++) {
      cache.set(key(i), i);
      cache.get(key(0));
    }
    expect(cache.size).toBe(20);
    expect(cache.estimatedBytes).toBe(cost * 20);
    expect(cache.get(key(0))).toBe(0);
    expect(cache.get(key(1))).toBeUndefined();
    expect(cache.get(key(29))).toBe(29);
  });

  it('and under its entries', () => {
    const cache = new BoundedDocumentCache<number>(cost * 1000, 5);
    for (let i = 0; i < 10; i++) cache.set(key(i), i);
    expect(cache.size).toBe(5);
    expect(cache.estimatedBytes).toBe(cost * 5);
  });

  it('counts the characters inside string literals, escapes and block strings included', () => {
    expect(stringLiteralChars('{ a(b: "xyz", c: """ab"c""") }')).toBe(3 + 4);
    expect(stringLiteralChars('{ a(b: "a\\"b") }')).toBe(4);
    expect(stringLiteralChars('{ a(b: "open')).toBe(4);
    expect(stringLiteralChars('{ a b c }')).toBe(0);
  });

  it('caches a 1,000-id inline bulk call at the default budget, but not a document as long made of fields', () => {
    const { documentCache } = boundedParserCache(16_777_216);
    const ids = Array.from({ length: 1000 }, (_, i) => `"a0000000-0000-4000-8000-${String(i).padStart(12, '0')}"`).join(', ');
    const bulk = `mutation { approveApps(clientId: "c0000000-0000-4000-8000-000000000001", appIds: [${ids}]) { succeeded } }`;
    const fields = `{ ${'a '.repeat(bulk.length / 2)}}`;
    documentCache.set(bulk, 'bulk');
    documentCache.set(fields, 'fields');
    expect([documentCache.get(bulk), documentCache.get(fields)]).toEqual(['bulk', undefined]);
  });

  it('never caches a document costing over a sixteenth of its bytes', () => {
    const cache = new BoundedDocumentCache<number>(cost * 16);
    cache.set(key(1, 101), 1);
    cache.set(key(2, 100), 2);
    expect(cache.get(key(1, 101))).toBeUndefined();
    expect(cache.get(key(2, 100))).toBe(2);
  });
});

describe('introspectionCost', () => {
  function cost(query: string, limit = 1e9) {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    return introspectionCost(schema, operation, fragments, {}, limit);
  }

  it('counts every value the introspection would return, and nothing else', () => {
    const types = Object.keys(schema.getTypeMap()).length;
    // The __schema field and the object it yields, the types field, each type, and each type's name.
    expect(cost('{ __schema { types { name } } }')).toBe(1 + 1 + 1 + types + types);
    expect(cost('{ __type(name: "Query") { name } }')).toBe(1 + 1 + 1);
    expect(cost('{ __typename viewer { name } }')).toBe(0);
  });

  it('stops once past the limit', () => {
    const full = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
    const whole = cost(full);
    expect(whole).toBeGreaterThan(2000);
    // It stops at the first charge past the limit: a list charges all its items at once.
    const stopped = cost(full, 1000);
    expect(stopped).toBeGreaterThan(1000);
    expect(stopped).toBeLessThan(1000 + Object.keys(schema.getTypeMap()).length + 1);
  });
});
