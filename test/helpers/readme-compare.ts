/**
 * Compares a response shown in the README with the real one. Values the service generates (ids,
 * times, tokens, cursors) cannot be written down in advance, so the first time a README value of
 * such a kind meets a different real value of the same kind, it is bound to it: it must then
 * stand for that same real value everywhere after (in later responses, and substituted into later
 * requests, so a cursor or id copied from a shown response works when passed back). A value the
 * README wrote in a request before it was bound (a demo id, say) is an input: it must match exactly.
 *
 * A page may also name a generated value: `"$CURSOR"` in a shown answer stands for whatever the
 * service answered there (any string or number), and later examples pass it back as `$CURSOR` (in
 * a GraphQL block, and as a shell variable in sh blocks). A reader sees at once which values are
 * theirs to copy, instead of a cursor that works only on the database it was written on.
 */

/** A shown value that names a generated one: `"$CURSOR"`, `"$WEBHOOK_ID"`. */
const NAMED = /^\$([A-Z][A-Z0-9_]*)$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TOKEN = /^agv_[A-Za-z0-9_-]+$/;
/** Keys whose string values are cursors, whatever their format (`endCursor`, `next_cursor`). */
const CURSOR_KEY = /cursor$/i;
/** Keys whose number values are times (Slack-style `date_updated`, `ts`, `expiresAt`). */
const TIME_KEY = /(^|_)(ts|date|time)($|_)|_at$|At$/;

type Kind = 'id' | 'time' | 'token' | 'cursor' | 'unix-time';

function generatedKind(key: string | null, value: unknown): Kind | null {
  if (typeof value === 'string') {
    if (UUID.test(value)) return 'id';
    if (ISO_TIME.test(value)) return 'time';
    if (TOKEN.test(value)) return 'token';
    if (key !== null && CURSOR_KEY.test(key)) return 'cursor';
  }
  if (typeof value === 'number' && key !== null && TIME_KEY.test(key)) return 'unix-time';
  return null;
}

const keyOf = (value: unknown) => JSON.stringify(value);

export class Bindings {
  /** README value (as JSON) → the real value it stands for. */
  private readonly bound = new Map<string, unknown>();
  /** Real value (as JSON) → the README value bound to it: one README value per real value. */
  private readonly boundBy = new Map<string, string>();
  private readonly inputs = new Set<string>();
  /** `$NAME` of a shown answer → the real value it stood for. */
  private readonly named = new Map<string, string>();

  /** The named values bound so far (`CURSOR` → its real value): shell variables for later blocks. */
  namedValues(): Record<string, string> {
    return Object.fromEntries(this.named);
  }

  /** Records the ids a README request names before they were bound: they are inputs. */
  noteRequest(readmeText: string): void {
    for (const id of readmeText.match(UUID_IN_TEXT) ?? []) {
      if (!this.bound.has(keyOf(id))) this.inputs.add(keyOf(id));
    }
  }

  /** A README request with every bound value replaced by the real value it stands for. */
  substitute(readmeText: string): string {
    const pairs = [...this.bound]
      .map(([readme, real]) => [JSON.parse(readme) as unknown, real] as const)
      .filter((p): p is readonly [string, string] => typeof p[0] === 'string' && typeof p[1] === 'string' && p[0] !== p[1])
      .sort((a, b) => b[0].length - a[0].length);
    return pairs.reduce((text, [readme, real]) => text.split(readme).join(real), readmeText);
  }

  /** A GraphQL request with `$NAME` replaced by named values; a name never bound is an error. */
  substituteGraphql(readmeText: string): string {
    return this.substitute(readmeText).replace(/\$([A-Z][A-Z0-9_]*)\b/g, (_, name: string) => {
      const value = this.named.get(name);
      if (value === undefined) throw new Error(`$${name} names no value shown before it (write "$${name}" in an earlier answer)`);
      return value;
    });
  }

  /** Mismatches between the shown and the real value; empty when they agree. */
  compare(expected: unknown, actual: unknown, path = '', key: string | null = null): string[] {
    const at = path || '(top)';
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) return [`${at}: README shows a list, got ${JSON.stringify(actual)}`];
      if (actual.length !== expected.length) {
        return [`${at}: README shows ${expected.length} items, got ${actual.length}: ${JSON.stringify(actual)}`];
      }
      return expected.flatMap((item, i) => this.compare(item, actual[i], `${path}[${i}]`, key));
    }
    if (expected !== null && typeof expected === 'object') {
      if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
        return [`${at}: README shows an object, got ${JSON.stringify(actual)}`];
      }
      const shownKeys = Object.keys(expected);
      // An error's `locations` (line and column in the operation) may be left out of the README.
      const realKeys = Object.keys(actual).filter((k) => !(k === 'locations' && /(^|\.)errors\[\d+\]$/.test(path) && !shownKeys.includes(k)));
      const missing = shownKeys.filter((k) => !realKeys.includes(k));
      const extra = realKeys.filter((k) => !shownKeys.includes(k));
      if (missing.length > 0 || extra.length > 0) {
        return [`${at}: keys differ (README only: ${missing.join(', ') || '-'}; response only: ${extra.join(', ') || '-'}) in ${JSON.stringify(actual)}`];
      }
      if (shownKeys.join() !== realKeys.join()) return [`${at}: key order is ${realKeys.join(', ')}, README shows ${shownKeys.join(', ')}`];
      return shownKeys.flatMap((k) =>
        this.compare((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k, k),
      );
    }
    return this.comparePrimitive(expected, actual, at, key);
  }

  private comparePrimitive(expected: unknown, actual: unknown, at: string, key: string | null): string[] {
    const shown = keyOf(expected);
    const name = typeof expected === 'string' ? NAMED.exec(expected)?.[1] : undefined;
    if (name !== undefined) {
      if (typeof actual !== 'string' && typeof actual !== 'number') return [`${at}: README names $${name} here, got ${keyOf(actual)}`];
      const before = this.named.get(name);
      if (before !== undefined) return before === String(actual) ? [] : [`${at}: $${name} stood for ${keyOf(before)} earlier, got ${keyOf(actual)}`];
      this.named.set(name, String(actual));
      return [];
    }
    const kind = generatedKind(key, expected);
    if (this.bound.has(shown)) {
      return keyOf(this.bound.get(shown)) === keyOf(actual) ? [] : [`${at}: README's ${shown} stood for ${keyOf(this.bound.get(shown))} earlier, got ${keyOf(actual)}`];
    }
    if (kind !== null && !this.inputs.has(shown) && generatedKind(key, actual) === kind) {
      const owner = this.boundBy.get(keyOf(actual));
      if (owner !== undefined && owner !== shown) return [`${at}: ${keyOf(actual)} was shown as ${owner} earlier, README shows ${shown}`];
      this.bound.set(shown, actual);
      this.boundBy.set(keyOf(actual), shown);
      return [];
    }
    if (typeof expected === 'string' && typeof actual === 'string' && this.substitute(expected) === actual) return [];
    return expected === actual ? [] : [`${at}: README shows ${shown}, got ${keyOf(actual)}`];
  }
}
