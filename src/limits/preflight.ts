import {
  getArgumentValues,
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
import { AppgovError } from '../errors';
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

const PREFLIGHT = 'appgovPreflight';

export function preflight(check: Preflight): Record<string, unknown> {
  return { [PREFLIGHT]: check };
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
 * A refusal writes nothing. Root mutation fields validate their own
 * arguments before they write.
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
      const check = definition.extensions?.[PREFLIGHT] as Preflight | undefined;
      if (check) {
        try {
          if (check.scope) requireScope(this.principal, check.scope);
          const variables = check.args ? this.variables() : null;
          if (check.args && variables) check.args(getArgumentValues(definition, field, variables));
        } catch (error) {
          if (error instanceof AppgovError) throw new Refusal(refusalError(error, { nodes: field, path: fieldPath }));
          // graphql-js's own argument errors are execution's to report, before any field runs.
          if (!(error instanceof GraphQLError)) throw error;
        }
      }
      if (field.selectionSet) this.selectionSet(field.selectionSet, getNamedType(definition.type), fieldPath);
    }
  }
}
