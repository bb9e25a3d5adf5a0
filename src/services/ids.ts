import { BadUserInputError } from '../errors';

/** 8-4-4-4-12 hexadecimal, any version: ids are compared in lowercase. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** A single id argument: a UUID, returned in lowercase, else BAD_USER_INPUT naming the field. */
export function parseId(value: string, field: string): string {
  if (!isUuid(value)) {
    throw new BadUserInputError(`${field} must be a UUID (8-4-4-4-12 hexadecimal); got ${JSON.stringify(value)}`, {
      field,
    });
  }
  return value.toLowerCase();
}

const MAX_IDS_NAMED_IN_MESSAGE = 10;

function quoteSome(values: string[]): string {
  const shown = values.slice(0, MAX_IDS_NAMED_IN_MESSAGE).map((v) => JSON.stringify(v));
  const rest = values.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
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
    const invalidIds = [...invalid];
    const one = invalidIds.length === 1;
    throw new BadUserInputError(
      `${field} has ${one ? 'an id' : 'ids'} that ${one ? 'is' : 'are'} not a UUID (8-4-4-4-12 hexadecimal): ${quoteSome(invalidIds)}`,
      { field, invalidIds },
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
