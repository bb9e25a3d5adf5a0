import {
  getArgumentValues,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requireScope } from '../auth/access';
import type { Principal, Scope } from '../auth/principal';
import { AppgovError, BadUserInputError } from '../errors';
import { pageSize } from '../services/pagination';
import { refusalError } from './errors';
import { collectFields, selectedMutation } from './operation';

/**
 * What a field needs that can be checked before anything executes: a scope,
 * and its arguments (the same parsing its resolver does, throwing the same
 * domain errors). Declared beside the field as `extensions: preflight(…)`.
 */
export interface Preflight {
  scope?: Scope;
  args?: (args: Record<string, any>) => void;
}

/** What a whole type's fields without arguments need in a mutation's result; `{}` for plain data. */
export interface TypePreflight {
  scope?: Scope;
}

const PREFLIGHT = 'appgovPreflight';
const TYPE_PREFLIGHT = 'appgovPreflightFields';

/** A field's own check, for a field with arguments or one that needs more than its type declares. */
export function preflight(check: Preflight): Record<string, unknown> {
  return { [PREFLIGHT]: check };
}

/**
 * A type's check for each of its fields that takes no arguments and declares
 * nothing of its own: `preflightFields({})` says they are plain data of what
 * the mutation already authorized. A field with arguments always declares its
 * own check. A field that declares nothing on a type that declares nothing is
 * refused in a mutation's result (fail closed).
 */
export function preflightFields(check: TypePreflight): Record<string, unknown> {
  return { [TYPE_PREFLIGHT]: check };
}

type FieldOwner = GraphQLObjectType | GraphQLInterfaceType;

/** The check that applies to `field` of `owner` in a mutation's result; null: nothing declares it, so it is refused. */
export function preflightOf(owner: FieldOwner, field: GraphQLField<unknown, unknown>): Preflight | null {
  const own = field.extensions?.[PREFLIGHT] as Preflight | undefined;
  if (own) return own;
  if (field.args.length > 0) return null;
  return (owner.extensions?.[TYPE_PREFLIGHT] as TypePreflight | undefined) ?? null;
}

/** Lists in a mutation's result: `first` in bounds; `after` refused (a cursor is sealed to a list only known once the write ran). */
export function firstPageInMutation(args: { first?: number | null; after?: string | null }): void {
  pageSize(args.first);
  if (args.after !== null && args.after !== undefined) {
    throw new BadUserInputError("after is not accepted in a mutation's result: read further pages with a query", { field: 'after' });
  }
}

export interface ResultField {
  type: string;
  field: string;
  args: string[];
  check: Preflight | null;
  /** One selection path from a mutation field to this field (type conditions as `...on T`). */
  path: string[];
}

/**
 * Every field a mutation's result can reach (through interfaces and their
 * implementations), each with the check that applies to it, and the first
 * mutation field (breadth-first) that reaches it.
 */
export function mutationResultFields(schema: GraphQLSchema, mutationField?: string): ResultField[] {
  const mutation = schema.getMutationType();
  if (!mutation) return [];
  const out: ResultField[] = [];
  const seen = new Set<string>();
  const queue: { type: GraphQLNamedType; path: string[] }[] = Object.values(mutation.getFields())
    .filter((f) => mutationField === undefined || f.name === mutationField)
    .map((f) => ({ type: getNamedType(f.type), path: [f.name] }));
  while (queue.length > 0) {
    const { type, path } = queue.shift()!;
    if (seen.has(type.name) || !(isObjectType(type) || isInterfaceType(type))) continue;
    seen.add(type.name);
    if (isInterfaceType(type)) {
      for (const possible of schema.getPossibleTypes(type)) queue.push({ type: possible, path: [...path, `...on ${possible.name}`] });
    }
    for (const field of Object.values(type.getFields())) {
      const fieldPath = [...path, field.name];
      out.push({ type: type.name, field: field.name, args: field.args.map((a) => a.name), check: preflightOf(type, field), path: fieldPath });
      queue.push({ type: getNamedType(field.type), path: fieldPath });
    }
  }
  return out;
}

class Refusal extends Error {
  constructor(readonly error: GraphQLError) {
    super(error.message);
  }
}

/**
 * A response never hides a write. A mutation's result selection runs after
 * the mutation committed, so an error there (`history(first: 1000)`, a bad
 * nested cursor, a scope the token lacks) used to null the whole answer
 * while the write stood. Before a mutation operation executes, every field
 * selected inside its results is checked here: its scope and its arguments.
 * A field is checked by what it or its type declares (`preflight`,
 * `preflightFields`); one that declares nothing is refused, so a new field
 * cannot slip past. A refusal writes nothing. Root mutation fields validate
 * their own arguments before they write.
 */
export function usePreflight(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const mutation = selectedMutation(args);
      if (!mutation) return;
      const { operation, fragments, schema, mutationType } = mutation;
      const raw = (args.variableValues ?? {}) as Record<string, unknown>;
      // Variables are coerced only when a field with arguments to check is selected (bulk calls carry thousands of ids).
      let coerced: Record<string, unknown> | null | undefined;
      const variables = () => {
        if (coerced === undefined) {
          const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw);
          coerced = result.errors ? null : result.coerced;
        }
        return coerced;
      };
      const principal = (args.contextValue as { principal?: Principal | null }).principal ?? null;
      const check = new Checker(schema, fragments, raw, variables, principal);
      try {
        for (const { field } of collectFields(operation.selectionSet, fragments, raw)) {
          const definition = mutationType.getFields()[field.name.value];
          if (definition && field.selectionSet) {
            check.selectionSet(field.selectionSet, getNamedType(definition.type), [field.alias?.value ?? field.name.value]);
          }
        }
      } catch (error) {
        if (error instanceof Refusal) return setResultAndStopExecution({ errors: [error.error] });
        throw error;
      }
    },
  };
}

class Checker {
  constructor(
    readonly schema: GraphQLSchema,
    readonly fragments: Record<string, FragmentDefinitionNode>,
    /** Raw variables: enough to evaluate @skip/@include on Boolean variables. */
    readonly raw: Record<string, unknown>,
    /** Coerced variables, or null when they do not coerce (execution then refuses them itself). */
    readonly variables: () => Record<string, unknown> | null,
    readonly principal: Principal | null,
  ) {}

  selectionSet(selectionSet: SelectionSetNode, parent: GraphQLNamedType, path: string[]): void {
    for (const { field, condition } of collectFields(selectionSet, this.fragments, this.raw)) {
      const type = condition ? this.schema.getType(condition) : parent;
      if (!type || !(isObjectType(type) || isInterfaceType(type))) continue;
      const definition = type.getFields()[field.name.value];
      if (!definition) continue;
      const fieldPath = [...path, field.alias?.value ?? field.name.value];
      // Meta fields (__typename) resolve from the schema alone.
      if (field.name.value.startsWith('__')) continue;
      const check = preflightOf(type, definition);
      try {
        if (!check) {
          throw new BadUserInputError(`${type.name}.${definition.name} cannot be selected in a mutation's result: read it with a query`, {
            field: definition.name,
            reason: 'NOT_IN_MUTATION_RESULT',
          });
        }
        if (check.scope) requireScope(this.principal, check.scope);
        const variables = check.args ? this.variables() : null;
        if (check.args && variables) check.args(getArgumentValues(definition, field, variables));
      } catch (error) {
        if (error instanceof AppgovError) throw new Refusal(refusalError(error, { nodes: field, path: fieldPath }));
        // graphql-js's own argument errors are execution's to report, before any field runs.
        if (!(error instanceof GraphQLError)) throw error;
      }
      if (field.selectionSet) this.selectionSet(field.selectionSet, getNamedType(definition.type), fieldPath);
    }
  }
}
