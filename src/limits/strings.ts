import { visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../errors';
import { refusalError } from './errors';

/**
 * A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite kept something
 * else than the client sent. Every string input, in variables (at any depth)
 * and in the document's literals, must be well-formed Unicode.
 */
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

/** The argument (as the client wrote it) holding an ill-formed string literal, or null. */
export function firstIllFormedLiteral(document: DocumentNode): string | null {
  let found: string | null = null;
  const names: string[] = [];
  visit(document, {
    Argument: { enter: (node) => void names.push(node.name.value), leave: () => void names.pop() },
    ObjectField: { enter: (node) => void names.push(node.name.value), leave: () => void names.pop() },
    StringValue: (node) => {
      if (found === null && !isWellFormed(node.value)) found = names.join('.') || 'document';
    },
  });
  return found;
}

export function useWellFormedStrings(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const field = firstIllFormedVariable((args.variableValues ?? {}) as Record<string, unknown>) ?? firstIllFormedLiteral(args.document);
      if (field === null) return;
      const error = new BadUserInputError(`${field} holds a lone UTF-16 surrogate: strings must be well-formed Unicode`, { field });
      setResultAndStopExecution({ errors: [refusalError(error)] });
    },
  };
}
