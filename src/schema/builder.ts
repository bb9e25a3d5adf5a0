import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import type { Context } from '../context';
import { BadUserInputError } from '../errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination';

/**
 * Limits on one operation. The schema has cycles (an event's app has a
 * history of events, each with an app…), so without them one request could
 * ask for millions of objects. Cost counts objects: a field with a `first`
 * argument multiplies what is below it by its page size.
 */
export const QUERY_LIMITS = { depth: 12, breadth: 300, complexity: 100_000 };

/** The one Pothos builder. It defines no types: each schema file adds its own. */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  complexity: {
    limit: QUERY_LIMITS,
    fieldComplexity: (args) => {
      // An explicit multiplier: a bare number would make every list field (`nodes`, `edges`) count ×10.
      if (!('first' in args)) return { field: 1, multiplier: 1 };
      const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
      return { field: 1, multiplier: Math.min(Math.max(first, 1), MAX_PAGE_SIZE) };
    },
    complexityError: (kind, result) => {
      const [measured, limit, what] =
        kind === 'Depth'
          ? [result.depth, result.maxDepth, 'nests fields']
          : kind === 'Breadth'
            ? [result.breadth, result.maxBreadth, 'selects fields']
            : [result.complexity, result.maxComplexity, 'would return up to'];
      return new BadUserInputError(
        `The operation ${what} ${measured}${kind === 'Complexity' ? ' objects' : kind === 'Depth' ? ' deep' : ' times'}; the limit is ${limit}. Ask for smaller pages or fewer nested lists.`,
        { limit: kind.toLowerCase() },
      );
    },
  },
});
