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
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `entryPoints` (paths from the project root) into `outdir`; returns the output folder. */
export async function buildServer({ outdir = 'dist', entryPoints = ['src/server.ts'] } = {}) {
  const out = resolve(ROOT, outdir);
  await build({
    absWorkingDir: ROOT,
    entryPoints,
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
    // src/db/open.ts finds drizzle/ relative to its own file; in a bundle, relative to the bundle.
    define: { APPGOV_MIGRATIONS_FROM_BUNDLE: JSON.stringify(relative(out, resolve(ROOT, 'drizzle')).split('\\').join('/')) },
    logLevel: 'warning',
  });
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildServer(process.argv[2] ? { outdir: process.argv[2] } : {});
}
