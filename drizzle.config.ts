import { defineConfig } from 'drizzle-kit';

// drizzle-kit needs this file to know where the tables live and where migrations go.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
