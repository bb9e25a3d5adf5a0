import { getNamedType, isListType, isNonNullType, Kind, type GraphQLInputType, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../config';
import { limitError } from './errors';
import { collectFields, selectedMutation } from './operation';

function isIdList(type: GraphQLInputType): boolean {
  const nullable = isNonNullType(type) ? type.ofType : type;
  return isListType(nullable) && getNamedType(nullable).name === 'ID';
}

/**
 * How many distinct ids an argument value names (case-insensitive, as the
 * bulk calls count them), from a literal list, a variable, or a mix.
 */
function idsIn(value: ValueNode, variables: Record<string, unknown>): number {
  const distinct = new Set<unknown>();
  const add = (raw: unknown) => distinct.add(typeof raw === 'string' ? raw.toLowerCase() : raw);
  const addValue = (node: ValueNode) => {
    if (node.kind === Kind.VARIABLE) {
      const raw = variables[node.name.value];
      if (Array.isArray(raw)) raw.forEach(add);
      else if (raw != null) add(raw);
    } else if (node.kind === Kind.STRING) add(node.value);
    else if (node.kind !== Kind.NULL) add(node);
  };
  if (value.kind === Kind.LIST) value.values.forEach(addValue);
  else addValue(value);
  return distinct.size;
}

/**
 * APPGOV_MAX_BULK_IDS holds per request, not per field: the ids of every id
 * list argument are summed over all mutation fields of the request (aliases
 * included; repeats within one field count once, as that field counts them), and a request holds at most
 * APPGOV_MAX_MUTATION_FIELDS mutation fields. Checked before anything runs.
 */
export function useMutationLimits(limits: Pick<RequestLimits, 'maxMutationFields'> & { maxBulkIds: number }): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const mutation = selectedMutation(args);
      if (!mutation) return;
      const { operation, fragments, mutationType } = mutation;
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      // Skip/include are not applied: every field written in the document counts.
      const fields = collectFields(operation.selectionSet, fragments, null).filter(({ field }) => field.name.value !== '__typename');
      const refuse = (message: string, limit: string, details: Record<string, unknown>) =>
        setResultAndStopExecution({ errors: [limitError(message, limit, details)] });
      if (fields.length > limits.maxMutationFields) {
        return refuse(
          `The request holds ${fields.length} mutation fields; at most ${limits.maxMutationFields} are allowed in one request.`,
          'mutationFields',
          { count: fields.length, max: limits.maxMutationFields },
        );
      }
      // One field refuses its own oversized list, naming the argument, before it writes.
      if (fields.length < 2) return;
      let ids = 0;
      for (const { field } of fields) {
        const definition = mutationType.getFields()[field.name.value];
        for (const argument of field.arguments ?? []) {
          const type = definition?.args.find((a) => a.name === argument.name.value)?.type;
          if (type && isIdList(type)) ids += idsIn(argument.value, variables);
        }
      }
      if (ids > limits.maxBulkIds) {
        return refuse(
          `The request names ${ids} ids across its mutation fields; at most ${limits.maxBulkIds} are allowed in one request.`,
          'bulkIds',
          { count: ids, max: limits.maxBulkIds },
        );
      }
    },
  };
}
