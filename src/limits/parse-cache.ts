/**
 * Yoga caches parsed documents, parse errors and validation results keyed by
 * the document's full text. Its default cache holds 1,024 entries of any
 * size: a few hundred unique 20 MB documents filled gigabytes. This cache is
 * bounded by entries and by estimated bytes, and never holds a document
 * longer than a sixteenth of its budget.
 */

/** A parsed AST takes roughly this many bytes per character of its source (measured on graphql 16). */
export const AST_BYTES_PER_CHAR = 40;
export const PARSE_CACHE_ENTRIES = 1024;

export class BoundedDocumentCache<V> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntries = PARSE_CACHE_ENTRIES,
  ) {}

  /** Estimated bytes an entry keyed by `key` occupies: the key itself (UTF-16) and its AST. */
  static cost(key: string): number {
    return key.length * (2 + AST_BYTES_PER_CHAR);
  }

  get size(): number {
    return this.entries.size;
  }

  get estimatedBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Most recently used goes last: a Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    const cost = BoundedDocumentCache.cost(key);
    if (cost * 16 > this.maxBytes) return;
    if (this.entries.has(key)) {
      this.entries.delete(key);
      this.bytes -= cost;
    }
    this.entries.set(key, value);
    this.bytes += cost;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
      this.bytes -= BoundedDocumentCache.cost(oldest);
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
