import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  type GraphQLError,
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
import { collectFields, selectedOperation } from './operation';

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
      const { operation, fragments } = selectedOperation(args.document, args.operationName);
      if (!operation || operation.operation !== 'mutation') return;
      const schema = args.schema as GraphQLSchema;
      const mutationType = schema.getMutationType();
      if (!mutationType) return;
      const coerced = getVariableValues(args.schema as GraphQLSchema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      // Variables that do not coerce are refused by execution itself before any field runs.
      if (coerced.errors) return;
      const principal = (args.contextValue as { principal?: Principal | null }).principal ?? null;
      const check = new Checker(schema, fragments, coerced.coerced, principal);
      try {
        for (const { field } of collectFields(operation.selectionSet, fragments, coerced.coerced)) {
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
    readonly variables: Record<string, unknown>,
    readonly principal: Principal | null,
  ) {}

  selectionSet(selectionSet: SelectionSetNode, parent: GraphQLNamedType, path: string[]): void {
    for (const { field, condition } of collectFields(selectionSet, this.fragments, this.variables)) {
      const type = condition ? this.schema.getType(condition) : parent;
      if (!type || !(isObjectType(type) || isInterfaceType(type))) continue;
      const definition = type.getFields()[field.name.value];
      if (!definition) continue;
      const fieldPath = [...path, field.alias?.value ?? field.name.value];
      const check = definition.extensions?.[PREFLIGHT] as Preflight | undefined;
      if (check) {
        try {
          if (check.scope) requireScope(this.principal, check.scope);
          if (check.args) check.args(getArgumentValues(definition, field, this.variables));
        } catch (error) {
          if (!(error instanceof AppgovError)) throw error;
          throw new Refusal(refusalError(error, { nodes: field, path: fieldPath }));
        }
      }
      if (field.selectionSet) this.selectionSet(field.selectionSet, getNamedType(definition.type), fieldPath);
    }
  }
}
