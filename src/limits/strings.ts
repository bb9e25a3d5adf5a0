import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppgovError, BadUserInputError } from '../errors';
import { refusalError } from './errors';
import { collectFields, selectedOperation } from './operation';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Control characters other than tab, line feed and carriage return: never part of text a person wrote (NUL, terminal escapes, C1). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Characters that show nothing: whitespace, format characters (zero-width space, joiners, BOM), fillers. */
const INVISIBLE = /^[\s\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]*$/u;

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** Not blank, yet nothing in it shows. */
export function isInvisibleOnly(text: string): boolean {
  return text.trim() !== '' && INVISIBLE.test(text);
}

/**
 * The one string rule: no control characters other than tab and line breaks,
 * and not made only of characters that show nothing ("\u200B" is not a note).
 * Blank text passes: whether a field may be blank is the field's own rule.
 * Applied to every string argument and input field of the schema
 * (useStringRule), and by the services to what they store.
 */
export function checkText(text: string, field: string): void {
  if (hasControlCharacter(text)) {
    throw new BadUserInputError(`${field} must not contain control characters`, { field, reason: 'CONTROL_CHARACTER' });
  }
  if (isInvisibleOnly(text)) {
    throw new BadUserInputError(`${field} must contain visible characters, not only spaces or invisible ones`, { field, reason: 'INVISIBLE_ONLY' });
  }
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

/** Applies the string rule to every string in an argument's value, naming it as written: `note`, `input.reason`, `scopes`. */
function checkValue(value: unknown, type: GraphQLInputType, path: string): void {
  const stack: [unknown, GraphQLInputType, string][] = [[value, type, path]];
  while (stack.length > 0) {
    const [item, itemType, itemPath] = stack.pop()!;
    if (item === null || item === undefined) continue;
    const nullable = getNullableType(itemType);
    if (isListType(nullable)) {
      if (Array.isArray(item)) for (const element of item) stack.push([element, nullable.ofType, itemPath]);
      else stack.push([item, nullable.ofType, itemPath]);
    } else if (isInputObjectType(nullable)) {
      const fields = nullable.getFields();
      for (const [key, fieldValue] of Object.entries(item as Record<string, unknown>)) {
        const field = fields[key];
        if (field) stack.push([fieldValue, field.type, `${itemPath}.${key}`]);
      }
    } else if (typeof item === 'string') {
      checkText(item, itemPath);
    }
  }
}

/** Every argument of every field the operation selects, at any depth, through fragments. */
function checkSelection(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): void {
  const stack: [SelectionSetNode, GraphQLNamedType][] = [[selectionSet, parent]];
  while (stack.length > 0) {
    const [set, parentType] = stack.pop()!;
    for (const { field, condition } of collectFields(set, fragments, null)) {
      const type = condition ? schema.getType(condition) : parentType;
      if (!type || !(isObjectType(type) || isInterfaceType(type))) continue;
      const definition = type.getFields()[field.name.value];
      if (!definition) continue;
      if (definition.args.length > 0 && field.arguments?.length) {
        const values = getArgumentValues(definition, field, variables);
        for (const arg of definition.args) checkValue(values[arg.name], arg.type, arg.name);
      }
      if (field.selectionSet) stack.push([field.selectionSet, getNamedType(definition.type)]);
    }
  }
}

/**
 * Strings, wherever they come from (variables or literals, any argument or
 * input field of any operation, on every protocol: the REST and Slack routes
 * run operations too), must be well-formed Unicode (a lone UTF-16 surrogate
 * cannot be stored as UTF-8: the variable is named, e.g. `$note`; in a
 * literal graphql-js's lexer refuses one as a syntax error) and pass the one
 * string rule (checkText), naming the argument as written. Checked before
 * anything runs.
 */
export function useStringRule(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const raw = (args.variableValues ?? {}) as Record<string, unknown>;
      const illFormed = firstIllFormedVariable(raw);
      if (illFormed !== null) {
        const error = new BadUserInputError(`${illFormed} holds a lone UTF-16 surrogate: strings must be well-formed Unicode`, { field: illFormed });
        return setResultAndStopExecution({ errors: [refusalError(error)] });
      }
      const { operation, fragments } = selectedOperation(args.document, args.operationName);
      const schema = args.schema as GraphQLSchema;
      const root = operation ? schema.getRootType(operation.operation) : undefined;
      if (!operation || !root) return;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], raw);
      // Variables that do not coerce are execution's to refuse.
      if (coerced.errors) return;
      try {
        checkSelection(schema, operation.selectionSet, root, fragments, coerced.coerced);
      } catch (error) {
        if (error instanceof AppgovError) return setResultAndStopExecution({ errors: [refusalError(error)] });
        if (error instanceof GraphQLError) return;
        throw error;
      }
    },
  };
}
