import { BadUserInputError } from '../errors';
import { checkText, hasControlCharacter, isInvisibleOnly } from '../limits/strings';

/** Validation of free-text fields. Each error names its field. */

export const MAX_REASON_LENGTH = 500;
export const MAX_NOTE_LENGTH = 2000;
export const MAX_CATEGORY_LENGTH = 100;

/** The one string rule (src/limits/strings.ts): no control characters other than tab and line breaks, not only invisible characters. */
export { checkText };

/** Why a change was made: trimmed, at most 500 characters; blank means no reason. */
export function parseReason(reason: string | null | undefined, field = 'reason'): string | null {
  const trimmed = reason?.trim() ?? '';
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new BadUserInputError(`${field} must be at most ${MAX_REASON_LENGTH} characters; got ${trimmed.length}`, { field });
  }
  checkText(trimmed, field);
  return trimmed === '' ? null : trimmed;
}

export function parseNote(note: string, field = 'note'): string {
  const trimmed = note.trim();
  if (trimmed.length <= MAX_NOTE_LENGTH) checkText(trimmed, field);
  if (trimmed.length < 1 || trimmed.length > MAX_NOTE_LENGTH) {
    throw new BadUserInputError(
      `${field} must be 1 to ${MAX_NOTE_LENGTH} characters after trimming; got ${trimmed.length}`,
      { field },
    );
  }
  return trimmed;
}

// Deliberately simple: one @, no spaces or control or invisible characters, a dot in the domain. Mail servers decide the rest.
const EMAIL = /^[^\s@\p{Cc}\p{Cf}]+@[^\s@.\p{Cc}\p{Cf}]+(?:\.[^\s@.\p{Cc}\p{Cf}]+)+$/u;

/** An email address, or null to clear. */
export function parseEmail(value: string | null, field: string): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > 254 || !EMAIL.test(trimmed)) {
    throw new BadUserInputError(`${field} must be an email address like "owner@example.com"; got ${JSON.stringify(value)}`, {
      field,
    });
  }
  return trimmed;
}

/**
 * A category label (1 to 100 characters after trimming). In an update null
 * clears it (`clearable`); in a filter it is simply absent.
 */
export function parseCategory(value: string | null, field: string, { clearable = true } = {}): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '' || hasControlCharacter(trimmed) || isInvisibleOnly(trimmed) || trimmed.length > MAX_CATEGORY_LENGTH) {
    throw new BadUserInputError(
      `${field} must be 1 to ${MAX_CATEGORY_LENGTH} characters${clearable ? ', or null to clear it' : ''}`,
      { field },
    );
  }
  return trimmed;
}
