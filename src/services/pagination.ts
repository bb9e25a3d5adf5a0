import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
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
 * Cursors are opaque to clients and bound to their list: the keyset values
 * are encrypted and authenticated (AES-256-GCM) with the list's kind and
 * `binding` (the tenant and filters it was issued for) as associated data.
 * So a cursor shows nothing (no global sequence numbers, no other tenant's
 * volume), and one from another list, tenant or filter fails to decrypt and
 * is refused. The IV is derived from the content, so one position always
 * gets the same cursor.
 */
let cursorKeys = deriveCursorKeys(randomBytes(32));

function deriveCursorKeys(secret: Buffer) {
  const derive = (label: string) => createHmac('sha256', secret).update(label).digest();
  return { secret, encrypt: derive('appgov cursor encryption'), iv: derive('appgov cursor iv') };
}

/**
 * The secret every cursor is sealed with. openDatabase installs the one kept
 * in the database (`service_keys`), so cursors survive restarts; until then a
 * random per-process secret is used.
 */
export function useCursorSecret(secret: Buffer): void {
  if (secret.length !== 32) throw new Error('a cursor secret is 32 bytes');
  if (!secret.equals(cursorKeys.secret)) cursorKeys = deriveCursorKeys(Buffer.from(secret));
}

export function currentCursorSecret(): Buffer {
  return Buffer.from(cursorKeys.secret);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function associatedData(kind: string, binding: string): Buffer {
  return Buffer.from(JSON.stringify([kind, binding]));
}

export function encodeCursor(kind: string, values: readonly (string | number)[], binding = ''): string {
  const plain = Buffer.from(JSON.stringify(values));
  const aad = associatedData(kind, binding);
  const iv = createHmac('sha256', cursorKeys.iv).update(aad).update(plain).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cursorKeys.encrypt, iv);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

export function decodeCursor(
  kind: string,
  cursor: string | null | undefined,
  shape: readonly ('string' | 'number')[],
  field = 'after',
  binding = '',
): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  const invalid = () => new BadUserInputError(`${field} is not a valid cursor for this list`, { field });
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES + 2 || raw.toString('base64url') !== cursor) throw invalid();
  let parsed: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', cursorKeys.encrypt, raw.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData(kind, binding));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    parsed = JSON.parse(plain.toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalid();
  const values = parsed as unknown[];
  values.forEach((v, i) => {
    if (typeof v !== shape[i] || (typeof v === 'number' && !Number.isSafeInteger(v))) throw invalid();
  });
  return values as (string | number)[];
}

/**
 * A page item's cursor, sealed when first read, then kept. Most reads select
 * `nodes` and no cursor, and sealing one (an HMAC and an AES-GCM seal) cost
 * more than building the item from its row. A getter on a class, not one
 * defined on each item: that would turn every item into a slow dictionary.
 */
class LazyCursor {
  #parts: readonly [kind: string, values: readonly (string | number)[], binding: string] | null;
  #sealed = '';

  constructor(kind: string, values: readonly (string | number)[], binding: string) {
    this.#parts = [kind, values, binding];
  }

  get cursor(): string {
    if (this.#parts) {
      this.#sealed = encodeCursor(...this.#parts);
      this.#parts = null;
    }
    return this.#sealed;
  }
}

/** `item`'s fields with a `cursor` of the list `kind`, sealed when first read. */
export function withCursor<T extends object>(
  item: T,
  kind: string,
  values: readonly (string | number)[],
  binding = '',
): T & { cursor: string } {
  return Object.assign(new LazyCursor(kind, values, binding), item);
}

/** Splits a `LIMIT first + 1` result into the page and whether more follow. */
export function toPage<T>(rows: T[], size: number): Page<T> {
  return { items: rows.slice(0, size), hasNextPage: rows.length > size };
}
