/**
 * The deprecated v1 body (`POST /platform/v1/apps/{code}/assign`)
 * mapped onto the v3 assignment, per vcita's v1 → v3 parameter table. Every value
 * check lives here, so the deprecated GraphQL mutation and the REST route
 * give the same answers.
 */
import type { AssignmentMode } from '../db/schema';
import { BadUserInputError } from '../errors';
import type { AssigneeRef } from './assignments';
import { parseId } from './ids';

/** v1 was deprecated on this date (the REST route's `Deprecation` header) and goes away on the next (its `Sunset`). */
export const V1_DEPRECATION_DATE = '2026-11-01';
export const V1_REMOVAL_DATE = '2027-06-30';

export interface V1AssignArgs {
  directoryUid?: string | null;
  businessUid?: string | null;
  isInternal?: string | null;
  preInstalled?: string | null;
  builtIn?: string | null;
  hideFromMarket?: string | null;
}

type V1Flag = 'isInternal' | 'preInstalled' | 'builtIn' | 'hideFromMarket';

/** The parameter table: each flag set to "true" selects one mode; no flag means STANDARD. */
export const V1_FLAG_MODES: Record<V1Flag, AssignmentMode> = {
  isInternal: 'INTERNAL',
  preInstalled: 'PRE_INSTALLED',
  builtIn: 'BUILT_IN',
  hideFromMarket: 'INTERNAL',
};

/** The v1 (REST) spelling of each argument, for messages a v1 caller can act on. */
const V1_NAMES: Record<keyof V1AssignArgs, string> = {
  directoryUid: 'directory_uid',
  businessUid: 'business_uid',
  isInternal: 'is_internal',
  preInstalled: 'pre_installed',
  builtIn: 'built_in',
  hideFromMarket: 'hide_from_market',
};

/** vcita's v1 documentation: "used with directory_uid only". */
const DIRECTORY_ONLY_FLAGS: V1Flag[] = ['isInternal', 'preInstalled', 'builtIn'];

const named = (arg: keyof V1AssignArgs) => `${arg} (${V1_NAMES[arg]})`;
const given = (value: string | null | undefined): value is string => value !== null && value !== undefined;

export function mapV1Assign(args: V1AssignArgs): { assignee: AssigneeRef; mode: AssignmentMode } {
  if (given(args.directoryUid) === given(args.businessUid)) {
    throw new BadUserInputError(`name exactly one of ${named('directoryUid')} and ${named('businessUid')}`, {
      field: 'directoryUid',
    });
  }
  const flags = Object.keys(V1_FLAG_MODES) as V1Flag[];
  for (const flag of flags) {
    const value = args[flag];
    if (given(value) && value !== 'true' && value !== 'false') {
      throw new BadUserInputError(`${named(flag)} must be "true" or "false"; got ${JSON.stringify(value)}`, { field: flag });
    }
  }
  if (given(args.businessUid)) {
    const misused = DIRECTORY_ONLY_FLAGS.filter((flag) => given(args[flag]));
    if (misused.length > 0) {
      throw new BadUserInputError(`${misused.map(named).join(', ')} may be used with ${named('directoryUid')} only`, {
        field: misused[0],
      });
    }
  }
  const set = flags.filter((flag) => args[flag] === 'true');
  if (set.length > 1) {
    throw new BadUserInputError(`at most one mode flag may be "true"; got ${set.map(named).join(' and ')}`, { field: set[1] });
  }
  const assignee: AssigneeRef = given(args.directoryUid)
    ? { type: 'directory', id: parseId(args.directoryUid, 'directoryUid') }
    : { type: 'business', id: parseId(args.businessUid!, 'businessUid') };
  return { assignee, mode: set[0] ? V1_FLAG_MODES[set[0]] : 'STANDARD' };
}
