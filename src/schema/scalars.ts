import { Kind } from 'graphql';
import { BadUserInputError } from '../errors';
import { builder } from './builder';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * `Date` rolls impossible calendar dates over ("2026-02-30" becomes 2 March):
 * the written date and time must come back unchanged once the offset is applied.
 */
function isRealDateTime(value: string, date: Date): boolean {
  const [, y, mo, d, h, mi, s, sign, oh, om] =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(value)!;
  if (Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) return false;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh ?? 0) * 60 + Number(om ?? 0));
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  return (
    local.getUTCFullYear() === Number(y) &&
    local.getUTCMonth() + 1 === Number(mo) &&
    local.getUTCDate() === Number(d) &&
    local.getUTCHours() === Number(h) &&
    local.getUTCMinutes() === Number(mi) &&
    local.getUTCSeconds() === Number(s)
  );
}

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && ISO_DATE_TIME.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()) || !isRealDateTime(value as string, date)) {
    throw new BadUserInputError(
      `DateTime must be an ISO 8601 date-time with a time zone, e.g. "2026-01-31T09:30:00Z"; got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC with milliseconds, e.g. "2026-01-31T09:30:00.000Z".',
  serialize: (value) => value.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});
