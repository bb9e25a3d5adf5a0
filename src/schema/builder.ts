import SchemaBuilder from '@pothos/core';
import type { Context } from '../context';

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
});
