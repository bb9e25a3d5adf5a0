import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql';

/**
 * The breaking-change check: compares `schema.graphql` (what the code builds) with
 * `schema.released.graphql` (what clients were promised) using @graphql-inspector/core's diff
 * (its CLI needs Node 22). A breaking change fails, except the removal of a field, argument,
 * input field or enum value whose released `@deprecated` reason names a removal date that has
 * passed ("… Removal after 2027-03-01."). Every deprecation must carry such a date, at least
 * DEPRECATION_DAYS after the day it is added.
 */
export const RELEASED_SCHEMA_FILE = fileURLToPath(new URL('../schema.released.graphql', import.meta.url));
export const CURRENT_SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** How long a deprecated element stays in the schema before it may be removed. */
export const DEPRECATION_DAYS = 90;

const REMOVAL_DATE = /Removal after (\d{4}-\d{2}-\d{2})\.?/;

export interface SchemaCheck {
  /** Breaking changes that fail the check, one message each. */
  breaking: string[];
  /** Removals the policy allows (deprecated, removal date passed). */
  allowedRemovals: string[];
  /** Deprecations without a removal date, or with one sooner than the policy allows. */
  deprecationProblems: string[];
  /** The changes since the released schema but descriptions and the members of added types and fields, one line each (`BREAKING:`, `DANGEROUS:` or `NON_BREAKING:` and the message), in the diff's order: CHANGELOG.md's schema list. */
  changes: string[];
}

interface Deprecated {
  coordinate: string;
  reason: string;
}

/** Every deprecated field, argument, input field and enum value, by schema coordinate. */
function deprecations(schema: GraphQLSchema): Map<string, string> {
  const found: Deprecated[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        if (field.deprecationReason != null) found.push({ coordinate, reason: field.deprecationReason });
        for (const arg of 'args' in field ? field.args : []) {
          if (arg.deprecationReason != null) found.push({ coordinate: `${coordinate}.${arg.name}`, reason: arg.deprecationReason });
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (value.deprecationReason != null) found.push({ coordinate: `${type.name}.${value.name}`, reason: value.deprecationReason });
      }
    }
  }
  return new Map(found.map((d) => [d.coordinate, d.reason]));
}

function removalDate(reason: string | undefined): string | null {
  const match = reason === undefined ? null : REMOVAL_DATE.exec(reason);
  return match?.[1] ?? null;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const REMOVALS = new Set(['FIELD_REMOVED', 'FIELD_ARGUMENT_REMOVED', 'INPUT_FIELD_REMOVED', 'ENUM_VALUE_REMOVED']);

export async function checkSchema(releasedSDL: string, currentSDL: string, today: Date = new Date()): Promise<SchemaCheck> {
  const released = buildSchema(releasedSDL);
  const current = buildSchema(currentSDL);
  const releasedDeprecations = deprecations(released);
  const todayDay = isoDay(today);
  const result: SchemaCheck = { breaking: [], allowedRemovals: [], deprecationProblems: [], changes: [] };

  const changes: Change[] = await diff(released, current);
  // Descriptions, and the fields, arguments and values of a type added whole, are left out: a new
  // type is one line, its members come with it.
  const addedTypes = new Set(changes.filter((c) => c.type === 'TYPE_ADDED' && c.path).map((c) => c.path!));
  const addedFields = new Set(changes.filter((c) => c.type === 'FIELD_ADDED' && c.path).map((c) => c.path!));
  const comesWith = (c: Change) =>
    c.path !== undefined &&
    ((c.type !== 'TYPE_ADDED' && addedTypes.has(c.path.split('.')[0]!)) || (c.type === 'FIELD_ARGUMENT_ADDED' && addedFields.has(c.path.split('.').slice(0, 2).join('.'))));
  result.changes = changes
    .filter((c) => !c.type.includes('DESCRIPTION') && !c.type.startsWith('DIRECTIVE_USAGE') && !comesWith(c))
    .map((change) => `${change.criticality.level}: ${change.message}`);
  for (const change of changes) {
    if (change.criticality.level !== CriticalityLevel.Breaking) continue;
    const date = change.path !== undefined && REMOVALS.has(change.type) ? removalDate(releasedDeprecations.get(change.path)) : null;
    if (date !== null && todayDay > date) {
      result.allowedRemovals.push(`${change.message} (deprecated; removal after ${date})`);
    } else {
      const hint = date !== null ? ` (deprecated, but its removal date ${date} has not passed)` : '';
      result.breaking.push(`${change.message}${hint}`);
    }
  }

  const earliest = isoDay(new Date(today.getTime() + DEPRECATION_DAYS * 86_400_000));
  for (const [coordinate, reason] of deprecations(current)) {
    const date = removalDate(reason);
    if (date === null) {
      result.deprecationProblems.push(`${coordinate}: the @deprecated reason must end with "Removal after YYYY-MM-DD."`);
    } else if (date !== removalDate(releasedDeprecations.get(coordinate)) && date < earliest) {
      // A new (or moved) date is checked against today; a released one keeps the date it was given.
      result.deprecationProblems.push(`${coordinate}: removal date ${date} is sooner than ${DEPRECATION_DAYS} days from today (${earliest} at the earliest)`);
    }
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await checkSchema(readFileSync(RELEASED_SCHEMA_FILE, 'utf8'), readFileSync(CURRENT_SCHEMA_FILE, 'utf8'));
  if (process.argv.includes('--changes')) {
    // The schema list of CHANGELOG.md's Unreleased section, as markdown.
    for (const line of result.changes) process.stdout.write(`- ${line}\n`);
    process.exit(0);
  }
  for (const line of result.allowedRemovals) process.stderr.write(`allowed: ${line}\n`);
  for (const line of result.breaking) process.stderr.write(`BREAKING: ${line}\n`);
  for (const line of result.deprecationProblems) process.stderr.write(`deprecation: ${line}\n`);
  const failed = result.breaking.length + result.deprecationProblems.length > 0;
  process.stderr.write(failed ? 'schema check failed: see docs/typed-clients.md, "Schema changes"\n' : 'schema check passed\n');
  process.exit(failed ? 1 : 0);
}
