import {
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { limitError } from './errors';
import { collectFields, selectedOperation } from './operation';

class OverBudget extends Error {}

/**
 * How many values the introspection part of an operation would return,
 * counted on the schema itself (the real lists of types, fields, arguments)
 * without building any response. Counting stops as soon as it passes
 * `limit`, so it costs at most `limit` steps.
 */
export function introspectionCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  limit: number,
): number {
  let cost = 0;
  const info = { schema } as GraphQLResolveInfo;
  const charge = (n: number) => {
    cost += n;
    if (cost > limit) throw new OverBudget();
  };
  const walk = (selectionSet: SelectionSetNode, type: GraphQLObjectType, source: unknown, root: boolean) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, type, source, root);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet, type, source, root);
      } else {
        const name = selection.name.value;
        // Only introspection is counted here; the schema's own fields are costed by the complexity plugin.
        const field: GraphQLField<unknown, unknown> | undefined = root
          ? name === '__schema'
            ? SchemaMetaFieldDef
            : name === '__type'
              ? TypeMetaFieldDef
              : undefined
          : type.getFields()[name];
        if (root && !field) continue;
        charge(1);
        if (!field || !selection.selectionSet || !field.resolve) continue;
        const childType = getNamedType(field.type);
        if (!isObjectType(childType)) continue;
        const value = field.resolve(source, getArgumentValues(field, selection, variables), undefined, info);
        const items = Array.isArray(value) ? value : value == null ? [] : [value];
        charge(items.length);
        for (const item of items) walk(selection.selectionSet, childType, item, false);
      }
    }
  };
  try {
    if (operation.operation === 'query') walk(operation.selectionSet, schema.getQueryType()!, undefined, true);
  } catch (error) {
    if (error instanceof OverBudget) return cost;
    throw error;
  }
  return cost;
}

/**
 * The complexity plugin only sees fields under the schema's own root
 * resolvers, so a query made of introspection alone (thousands of aliased
 * `__schema` selections) was never costed. This counts the values its
 * introspection would return against APPGOV_MAX_INTROSPECTION_VALUES, before
 * anything executes.
 */
export function useIntrospectionCost(limit: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { operation, fragments } = selectedOperation(args.document, args.operationName);
      if (!operation || operation.operation !== 'query') return;
      // Most queries hold no introspection: skip them before coercing any variable.
      const selectsIntrospection = collectFields(operation.selectionSet, fragments, null).some(
        ({ field }) => field.name.value === '__schema' || field.name.value === '__type',
      );
      if (!selectsIntrospection) return;
      const coerced = getVariableValues(args.schema as GraphQLSchema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      // Bad variables are reported by execution itself, with its own message.
      if (coerced.errors) return;
      const cost = introspectionCost(args.schema as GraphQLSchema, operation, fragments, coerced.coerced, limit);
      if (cost > limit) {
        setResultAndStopExecution({
          errors: [
            limitError(
              `The operation's introspection would return more than ${limit} values; the limit is ${limit}. Ask for the schema once.`,
              'introspection',
            ),
          ],
        });
      }
    },
  };
}
