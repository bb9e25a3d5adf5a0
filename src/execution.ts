import { execute, subscribe } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Runs operations with graphql-js's own `execute` and `subscribe`. Yoga's default executor
 * (@graphql-tools/executor, pinned at 2.0.1 with the rest of the graphql-tools chain; the
 * releases that fix this need a newer @graphql-tools/utils or Node 22) adds a field's key when
 * its value resolves, so a field resolved through a DataLoader lands after its later siblings.
 * graphql-js keeps the keys in selection-set order, as the GraphQL spec (7.2.2) asks.
 * Everything else (parsing, validation, masking, the complexity limits, plugins' hooks) is
 * unchanged: only the function that walks the selection set is swapped. Listed first among the
 * plugins, so a later plugin that wraps the execute function wraps this one.
 */
export function useSelectionOrderExecution(): Plugin {
  return {
    onExecute: ({ setExecuteFn }) => setExecuteFn(execute),
    onSubscribe: ({ setSubscribeFn }) => setSubscribeFn(subscribe),
  };
}
