/**
 * The compile `npm start` runs (scripts/build.mjs): a bundle finds both stores' migrations from
 * wherever it is built. `npm start` builds into dist/, the tests deeper (dist/test-…): a folder
 * computed from the bundle's own place and not substituted at build time (as drizzle-postgres/ was
 * once) works at one depth only.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer } from '../scripts/build.mjs';

const ROOT = resolve(__dirname, '..');

describe('scripts/build.mjs', () => {
  it.each([`dist-build-test-${process.pid}`, `dist/build-test-${process.pid}/a/b`])('a bundle built into %s finds drizzle/ and drizzle-postgres/', async (outdir) => {
    const out = (await buildServer({ outdir, entryPoints: ['test/fixtures/migration-folders.ts'] })) as string;
    try {
      const folders = JSON.parse(execFileSync(process.execPath, [join(out, 'migration-folders.mjs')], { encoding: 'utf8' }));
      expect(folders).toEqual({ sqlite: join(ROOT, 'drizzle') + '/', postgres: join(ROOT, 'drizzle-postgres') + '/' });
    } finally {
      rmSync(resolve(ROOT, outdir.split('/')[0] === 'dist' ? outdir.split('/').slice(0, 2).join('/') : outdir), { recursive: true, force: true });
    }
  }, 30_000);
});
