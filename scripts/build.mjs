/**
 * Compiles the server for `npm start`: one ES module bundle of src/ (packages stay in node_modules), so
 * the running process holds plain JavaScript instead of tsx's loader and its per-module transforms and
 * source maps (about 50 MB of resident memory). Takes well under a second.
 *
 *   node scripts/build.mjs [outdir]      (default: dist/)
 *
 * Also used by tests and the memory bench, each into its own folder inside the project (the bundle's
 * imports of packages resolve from node_modules above it).
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles `entryPoints` (paths from the project root) into `outdir`, always with the writer thread's
 * own entry (src/db/writer-worker.ts -> writer-worker.mjs, which src/db/writer.ts starts); returns the
 * output folder.
 */
export async function buildServer({ outdir = 'dist', entryPoints = ['src/server.ts'] } = {}) {
  const out = resolve(ROOT, outdir);
  await build({
    absWorkingDir: ROOT,
    // Every output flat in outdir, named as its entry (server.mjs, writer-worker.mjs).
    entryPoints: [...entryPoints, 'src/db/writer-worker.ts'].map((entry) => ({ in: entry, out: basename(entry).replace(/\.ts$/, '') })),
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // A dynamic import (OpenTelemetry, loaded only when configured) stays a chunk of its own, loaded on demand.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    // src/db/open.ts and src/db/postgres.ts find drizzle/ and drizzle-postgres/ relative to their own file;
    // in a bundle, relative to the bundle (wherever it is built: dist/ for npm start, deeper for tests).
    define: {
      APPGOV_MIGRATIONS_FROM_BUNDLE: JSON.stringify(relative(out, resolve(ROOT, 'drizzle')).split('\\').join('/')),
      APPGOV_PG_MIGRATIONS_FROM_BUNDLE: JSON.stringify(relative(out, resolve(ROOT, 'drizzle-postgres')).split('\\').join('/')),
      APPGOV_WRITER_BUNDLE: JSON.stringify('./writer-worker.mjs'),
      APPGOV_PACKAGE_VERSION: JSON.stringify(JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).version),
    },
    logLevel: 'warning',
  });
  return out;
}

/**
 * The node flags `npm start` runs the compiled server with, read from package.json's start script, so
 * the tests and the memory bench run the server exactly as it is started.
 */
export function startFlags() {
  const { scripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const match = /&& node((?: --[\w-]+(?:=\S+)?)*) dist\/server\.mjs$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "… && node [flags] dist/server.mjs": ${scripts.start}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildServer(process.argv[2] ? { outdir: process.argv[2] } : {});
}
