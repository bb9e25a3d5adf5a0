import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (index.js) and ESM (index.mjs). Node, and so Yoga and Pothos, load the
    // CJS build; Vite would hand our own imports the ESM one, and two copies of graphql break
    // `instanceof GraphQLError` and schema checks. Point both at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
