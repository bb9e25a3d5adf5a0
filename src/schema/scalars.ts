import { Kind } from 'graphql';
import { BadUserInputError } from '../errors';
import { builder } from './builder';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && ISO_DATE_TIME.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
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
