#!/usr/bin/env node
// The `appgov` command. It runs the CLI (src/cli.ts) compiled into one JavaScript bundle, as `npm start`
// compiles the server (scripts/build.mjs), kept in node_modules/.cache/appgov/ and compiled again when a
// source file changes: a call then starts in about half the time tsx's loader takes to load the
// TypeScript sources one by one. Where the cache cannot be written, it runs the sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the bundle is made of: a change to any of them compiles it again. */
const INPUTS = ['src', 'drizzle', 'drizzle-postgres', 'package.json', 'scripts/build.mjs'];

function fingerprint() {
  const hash = createHash('sha256');
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else {
      hash.update(`${relative(ROOT, path)}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const input of INPUTS) if (existsSync(join(ROOT, input))) visit(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

/** Bundles of other sources are removed once this old: a call still running one is long done. */
const KEEP_OLD_MS = 10 * 60_000;

async function compiledCli() {
  // One folder per checkout (several may share one node_modules through a link).
  const cache = join(ROOT, 'node_modules', '.cache', 'appgov', createHash('sha256').update(ROOT).digest('hex').slice(0, 12));
  mkdirSync(cache, { recursive: true });
  // The bundle finds drizzle/ relative to where it really is (node_modules may be a link).
  const real = realpathSync(cache);
  const name = `cli-${fingerprint()}`;
  const entry = join(real, name, 'cli.mjs');
  if (existsSync(entry)) return entry;
  const { buildServer } = await import('../scripts/build.mjs');
  // Built aside and renamed into place: a process starting meanwhile never runs half a bundle.
  const building = join(real, `${name}.${process.pid}.tmp`);
  await buildServer({ outdir: building, entryPoints: ['src/cli.ts'] });
  try {
    renameSync(building, join(real, name));
  } catch {
    // Another call built the same sources first: its bundle is this one.
    rmSync(building, { recursive: true, force: true });
  }
  for (const old of readdirSync(real)) {
    const path = join(real, old);
    if (old !== name && Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { recursive: true, force: true });
  }
  return entry;
}

let entry = null;
try {
  entry = await compiledCli();
} catch {
  entry = null;
}
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
