import { defineConfig } from 'drizzle-kit';

// The Postgres store's migrations, generated from its own schema file into their own folder.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres-schema.ts',
  out: './drizzle-postgres',
});
