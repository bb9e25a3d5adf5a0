/**
 * What JSON.parse does not say about a JSON text: how deep it nests, and whether an object
 * repeats a key (JSON.parse keeps the last one silently, and a reviver only ever sees the
 * survivor). One linear pass with an explicit stack, so a body nested 50,000 deep costs a
 * loop, not a stack overflow; it stops at the first problem.
 */

/** A problem of a JSON text; `path` names where it is: `["variables", "v", 0, 0]`. */
export type JsonProblem = { kind: 'nesting' | 'duplicate-key'; path: (string | number)[] };

interface Frame {
  /** The keys this object holds so far; null for an array. */
  keys: Set<string> | null;
  /** The key being read (objects) or the item index (arrays). */
  at: string | number;
  /** Objects: the next string is a key. */
  expectKey: boolean;
}

const pathOf = (stack: Frame[]) => stack.map((frame) => frame.at);

/**
 * The first problem of the JSON text `text`: an object or array deeper than `maxNesting` (the
 * outermost value is depth 1), or a key given twice in one object (keys compared after
 * unescaping, so `"a"` and `"\u0061"` are the same key). Null when there is none. Text that is
 * not JSON is scanned as far as it goes, in linear time, and never throws: JSON.parse is the one
 * that refuses it.
 */
export function jsonProblem(text: string, maxNesting: number): JsonProblem | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : null, at: c === 0x7b ? '' : 0, expectKey: c === 0x7b });
      if (stack.length > maxNesting) return { kind: 'nesting', path: pathOf(stack).slice(0, -1) };
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.at = (top.at as number) + 1;
    } else if (c === 0x22 /* " */) {
      // The closing quote is the first one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end < 0) return null; // An unterminated string: not JSON.
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? unescapeKey(text.slice(i, end + 1)) : raw;
        top.at = key;
        if (top.keys.has(key)) return { kind: 'duplicate-key', path: pathOf(stack) };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return null;
}

/** A quoted key with escapes, unescaped; a broken escape (not JSON) is kept as written. */
function unescapeKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

/** `["settings", "mode"]` → `settings.mode`, `["v", 0, 1]` → `v[0][1]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}
