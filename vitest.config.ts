import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: every test on the embedded SQLite store (`sqlite`), and the API tests again with
 * their server on the Postgres store (`postgres`: APPGOV_TEST_STORE=postgres; see
 * test/helpers/yoga.ts). The API tests are the files that build a server with test/helpers/yoga.ts.
 */
const API_TESTS = readdirSync('test')
  .filter((f) => f.endsWith('.test.ts') && readFileSync(`test/${f}`, 'utf8').includes("from './helpers/yoga'"))
  .map((f) => `test/${f}`);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (index.js) and ESM (index.mjs). Node, and so Yoga and Pothos, load the
    // CJS build; Vite would hand our own imports the ESM one, and two copies of graphql break
    // `instanceof GraphQLError` and schema checks. Point both at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one worker on a 2-core machine (cores − 1); the Postgres run waits on its
    // server for much of its time, so two workers overlap that wait (measured: see the README's Development section).
    maxWorkers: 2,
    // A worker keeps the modules it loaded from one test file to the next instead of loading src/
    // anew for each (that load was about a quarter of the run's time). Each file still opens its own
    // databases and servers; nothing in src/ keeps per-test state at module level.
    isolate: false,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        // Carrying a large fixture (60,000 apps) into Postgres takes seconds of the test's time.
        test: { name: 'postgres', include: API_TESTS, env: { APPGOV_TEST_STORE: 'postgres' }, testTimeout: 20_000, hookTimeout: 30_000 },
      },
    ],
  },
});
