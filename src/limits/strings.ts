import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../errors';
import { refusalError } from './errors';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

export function firstIllFormedVariable(variables: Record<string, unknown>): string | null {
  const stack: [unknown, string][] = Object.entries(variables).map(([name, value]) => [value, `$${name}`]);
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (!isWellFormed(value)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (!isWellFormed(key)) return path;
        stack.push([item, `${path}.${key}`]);
      }
    }
  }
  return null;
}

/**
 * A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite kept something
 * else than the client sent. Every string in the variables, at any depth,
 * must be well-formed Unicode. (In the document's literals graphql-js's lexer
 * already refuses one as a syntax error.)
 */
export function useWellFormedStrings(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const field = firstIllFormedVariable((args.variableValues ?? {}) as Record<string, unknown>);
      if (field === null) return;
      const error = new BadUserInputError(`${field} holds a lone UTF-16 surrogate: strings must be well-formed Unicode`, { field });
      setResultAndStopExecution({ errors: [refusalError(error)] });
    },
  };
}
