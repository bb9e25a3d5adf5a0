import { BadUserInputError } from '../errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** One page of a forward-only (first/after) listing. */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

/** `first`: absent means 20; otherwise 1 to 100, else BAD_USER_INPUT. */
export function pageSize(first: number | null | undefined, field = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`${field} must be from 1 to ${MAX_PAGE_SIZE}; got ${first}`, { field });
  }
  return first;
}

/**
 * Cursors are opaque to clients: base64url of a kind tag and the keyset
 * values. The tag stops a cursor from one listing being used on another.
 */
export function encodeCursor(kind: string, values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...values])).toString('base64url');
}

export function decodeCursor(
  kind: string,
  cursor: string | null | undefined,
  shape: readonly ('string' | 'number')[],
  field = 'after',
): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  const invalid = () => new BadUserInputError(`${field} is not a valid cursor for this list`, { field });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind || parsed.length !== shape.length + 1) throw invalid();
  const values = parsed.slice(1) as unknown[];
  values.forEach((v, i) => {
    if (typeof v !== shape[i] || (typeof v === 'number' && !Number.isSafeInteger(v))) throw invalid();
  });
  return values as (string | number)[];
}

/** Splits a `LIMIT first + 1` result into the page and whether more follow. */
export function toPage<T>(rows: T[], size: number): Page<T> {
  return { items: rows.slice(0, size), hasNextPage: rows.length > size };
}
