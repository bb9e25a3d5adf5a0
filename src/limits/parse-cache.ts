/**
 * Yoga caches parsed documents, parse errors and validation results keyed by
 * the document's full text. Its default cache holds 1,024 entries of any
 * size: a few hundred unique 20 MB documents filled gigabytes. This cache is
 * bounded by entries and by estimated bytes, and never holds a document
 * longer than a sixteenth of its budget.
 */

/** A parsed AST takes roughly this many bytes per character of its source (measured on graphql 16). */
export const AST_BYTES_PER_CHAR = 40;
/**
 * ...but a character inside a string literal becomes one character of a StringValue's string: a
 * 1,000-id inline bulk call (40,000 characters, almost all ids) measured 8.2 bytes per source
 * character all told, where 40 per character would keep it out of the cache. Rounded up.
 */
export const STRING_BYTES_PER_CHAR = 4;

/** How many characters of a GraphQL source sit inside string literals ("…" and """…"""). */
export function stringLiteralChars(source: string): number {
  let inside = 0;
  let i = 0;
  while (i < source.length) {
    if (source.charCodeAt(i) !== 34 /* " */) {
      i++;
      continue;
    }
    const block = source.startsWith('"""', i);
    const start = i + (block ? 3 : 1);
    let end = start;
    if (block) {
      end = source.indexOf('"""', start);
      if (end === -1) end = source.length;
    } else {
      while (end < source.length && source.charCodeAt(end) !== 34) end += source.charCodeAt(end) === 92 /* \ */ ? 2 : 1;
      end = Math.min(end, source.length);
    }
    inside += end - start;
    i = end + (block ? 3 : 1);
  }
  return inside;
}
export const PARSE_CACHE_ENTRIES = 1024;

export class BoundedDocumentCache<V> {
  /** Each entry with its estimated cost, computed once. */
  private readonly entries = new Map<string, [V, number]>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntries = PARSE_CACHE_ENTRIES,
  ) {}

  /** Estimated bytes an entry keyed by `key` occupies: the key itself (UTF-16) and its AST. */
  static cost(key: string): number {
    const literal = stringLiteralChars(key);
    return key.length * 2 + literal * STRING_BYTES_PER_CHAR + (key.length - literal) * AST_BYTES_PER_CHAR;
  }

  get size(): number {
    return this.entries.size;
  }

  get estimatedBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used goes last: a Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry[0];
  }

  set(key: string, value: V): void {
    const cost = BoundedDocumentCache.cost(key);
    if (cost * 16 > this.maxBytes) return;
    if (this.entries.has(key)) {
      this.entries.delete(key);
      this.bytes -= cost;
    }
    this.entries.set(key, [value, cost]);
    this.bytes += cost;
    for (const [oldest, [, oldestCost]] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      this.bytes -= oldestCost;
    }
  }
}

/** Yoga's `parserAndValidationCache` option: documents and parse errors share one byte budget. */
export function boundedParserCache(maxBytes: number) {
  return {
    documentCache: new BoundedDocumentCache<any>(Math.floor(maxBytes * 0.75)),
    errorCache: new BoundedDocumentCache<any>(Math.floor(maxBytes * 0.25)),
    // Validation results are kept in a WeakMap keyed by the cached AST: they go when it goes.
    validationCache: true,
  };
}
