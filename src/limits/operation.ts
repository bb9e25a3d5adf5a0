import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type GraphQLSchema,
} from 'graphql';

/** The operation a request executes, and its fragments by name. */
export function selectedOperation(document: DocumentNode, operationName: string | null | undefined) {
  const operations: OperationDefinitionNode[] = [];
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  return { operation, fragments };
}

/** The mutation operation a request executes, with what the mutation checks need; null for a query. */
export function selectedMutation(args: { document: DocumentNode; operationName?: string | null; schema: unknown }) {
  const { operation, fragments } = selectedOperation(args.document, args.operationName);
  if (!operation || operation.operation !== 'mutation') return null;
  const schema = args.schema as GraphQLSchema;
  const mutationType = schema.getMutationType();
  return mutationType ? { operation, fragments, schema, mutationType } : null;
}

/**
 * The fields of a selection set with fragments flattened, each with the type
 * condition it sits under (null: the parent type). Fields skipped by
 * `@skip`/`@include` are left out when the variables are known.
 */
export function collectFields(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | null,
  condition: string | null = null,
  out: { field: FieldNode; condition: string | null }[] = [],
  seen = new Set<string>(),
) {
  for (const selection of selectionSet.selections) {
    if (variables && isSkipped(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) out.push({ field: selection, condition });
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(selection.selectionSet, fragments, variables, selection.typeCondition?.name.value ?? condition, out, seen);
    } else {
      const fragment = fragments[selection.name.value];
      // Validation forbids fragment cycles; `seen` only guards against a document that skipped it.
      if (!fragment || seen.has(selection.name.value)) continue;
      seen.add(selection.name.value);
      collectFields(fragment.selectionSet, fragments, variables, fragment.typeCondition.name.value, out, seen);
      seen.delete(selection.name.value);
    }
  }
  return out;
}

function isSkipped(node: Parameters<typeof getDirectiveValues>[1], variables: Record<string, unknown>): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return true;
  } catch {
    // A bad directive argument is execution's to report.
  }
  return false;
}
