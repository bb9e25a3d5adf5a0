import { randomUUID } from 'node:crypto';
import { BadUserInputError } from '../errors';

/** 8-4-4-4-12 hexadecimal, any version: ids are compared in lowercase. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The time part of the last event id made, and its millisecond. */
let prefix = '';
let prefixAt = Number.NaN;

/**
 * A new history event id: a UUID version 7 (RFC 9562), the creation time in
 * milliseconds then 74 random bits. Events are appended in time order, so
 * their ids land at the end of the unique index instead of on a random page
 * each (a 1,000-event call then touches a few index pages, not ~1,000).
 * Still opaque to clients, unique, and any UUID (older v4 ids) stays valid.
 */
export function newEventId(now: number = Date.now()): string {
  // A bulk call makes thousands of ids in one millisecond: their time part is formatted once.
  if (now !== prefixAt) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    prefixAt = now;
  }
  // randomUUID() is v4 (pooled randomness): keep its random bits and variant, replace time and version.
  return prefix + randomUUID().slice(15);
}

/** A single id argument: a UUID, returned in lowercase, else BAD_USER_INPUT naming the field. */
export function parseId(value: string, field: string): string {
  if (!isUuid(value)) {
    throw new BadUserInputError(`${field} must be a UUID (8-4-4-4-12 hexadecimal); got ${JSON.stringify(shorten(value))}`, {
      field,
    });
  }
  return value.toLowerCase();
}

/** An error names a few of the invalid ids, each cut short: a million bad ids must not make a 12 MB answer. */
const MAX_IDS_NAMED = 5;
const MAX_ID_CHARS_SHOWN = 60;

function shorten(value: string): string {
  return value.length > MAX_ID_CHARS_SHOWN ? `${value.slice(0, MAX_ID_CHARS_SHOWN)}…` : value;
}

/**
 * A bulk id list: non-empty, every entry a UUID, at most `max` distinct ids.
 * Returns the distinct ids in lowercase, in first-seen order. Any problem
 * refuses the whole list, so nothing is written for a bad call.
 */
export function parseIdList(values: readonly string[], field: string, max: number): string[] {
  if (values.length === 0) {
    throw new BadUserInputError(`${field} must name at least one id`, { field });
  }
  // One pass: bulk calls carry thousands of ids.
  const distinct = new Set<string>();
  const invalid = new Set<string>();
  for (const value of values) {
    if (UUID_PATTERN.test(value)) distinct.add(value.toLowerCase());
    else invalid.add(value);
  }
  if (invalid.size > 0) {
    // Named once, in the message (at most five, each cut short); extensions carry only the count.
    const named: string[] = [];
    for (const id of invalid) {
      if (named.length === MAX_IDS_NAMED) break;
      named.push(JSON.stringify(shorten(id)));
    }
    const rest = invalid.size - named.length;
    const one = invalid.size === 1;
    throw new BadUserInputError(
      `${field} has ${one ? 'an id' : 'ids'} that ${one ? 'is' : 'are'} not a UUID (8-4-4-4-12 hexadecimal): ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`,
      { field, invalidCount: invalid.size },
    );
  }
  if (distinct.size > max) {
    throw new BadUserInputError(`${field} names ${distinct.size} distinct ids; at most ${max} are allowed in one call`, {
      field,
      limit: max,
      count: distinct.size,
    });
  }
  return [...distinct];
}
