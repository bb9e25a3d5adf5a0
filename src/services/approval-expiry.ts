import { BadUserInputError } from '../errors';

/** The furthest ahead an approval may end: 366 days (a year, leap day included). */
export const MAX_APPROVAL_DAYS = 366;
const DAY_MS = 86_400_000;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * An approval's end from a call's `expiresAt` (an instant) or `expiresIn` (a duration: a whole number and
 * a unit, m, h, d or w, such as `30d` or `12h`), judged at `now`; null when neither is given (a permanent
 * approval). BAD_USER_INPUT, naming the field, when both are given, the duration is malformed, or the
 * end is not after `now` or more than 366 days ahead. `prefix` names where the fields sit (`input.`).
 */
export function parseApprovalExpiry(
  given: { expiresAt?: Date | null; expiresIn?: string | null },
  now: Date,
  prefix = '',
): Date | null {
  const { expiresAt, expiresIn } = given;
  const hasAt = expiresAt !== undefined && expiresAt !== null;
  const hasIn = expiresIn !== undefined && expiresIn !== null;
  if (hasAt && hasIn) {
    throw new BadUserInputError(`Give ${prefix}expiresAt or ${prefix}expiresIn, not both`, { field: `${prefix}expiresIn` });
  }
  let end: Date;
  let field: string;
  if (hasAt) {
    end = expiresAt;
    field = `${prefix}expiresAt`;
  } else if (hasIn) {
    field = `${prefix}expiresIn`;
    const match = /^([1-9][0-9]{0,6})([mhdw])$/.exec(expiresIn.trim());
    if (!match) {
      throw new BadUserInputError(
        `${field} must be a whole number and a unit, m (minutes), h (hours), d (days) or w (weeks), such as 30d or 12h; got "${expiresIn.slice(0, 40)}"`,
        { field },
      );
    }
    end = new Date(now.getTime() + Number(match[1]) * UNIT_MS[match[2]!]!);
  } else {
    return null;
  }
  if (end.getTime() <= now.getTime()) {
    throw new BadUserInputError(`${field} must be in the future: ${end.toISOString()} is not after ${now.toISOString()}`, { field });
  }
  if (end.getTime() > now.getTime() + MAX_APPROVAL_DAYS * DAY_MS) {
    throw new BadUserInputError(`An approval may end at most ${MAX_APPROVAL_DAYS} days ahead; ${field} is ${end.toISOString()}`, { field });
  }
  return end;
}
