import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset, type ClientPresetConfig } from '@graphql-codegen/client-preset';
import { codegen } from '@graphql-codegen/core';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { buildSchema, parse } from 'graphql';

/**
 * Generates src/gql/ with @graphql-codegen/client-preset through the programmatic
 * @graphql-codegen/core: the codegen CLI (@graphql-codegen/cli) pulls loaders that need newer
 * Node or @graphql-tools/* than this project pins. What the CLI would do from a codegen.ts
 * config is done here by hand: load the committed schema, pick the `graphql(\`…\`)` documents out
 * of every .ts file of the example (as the CLI's documents glob over the example, minus src/gql/), let the
 * preset plan its files, and run each.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
export const OUTPUT_DIR = join(HERE, 'src/gql/');
const SCHEMA_FILE = join(HERE, '../../schema.graphql');

/**
 * Every .ts file under `root`, sorted, except the generated output (`src/gql/`) and node_modules:
 * an operation in any file of the example is generated, not only those of one hard-coded file.
 */
export function sourceFiles(root: string = HERE): string[] {
  return (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[])
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .filter((file) => !file.startsWith('src/gql/') && !file.split('/').includes('node_modules'))
    .sort()
    .map((file) => join(root, file));
}

/** The documents of `graphql(\`…\`)` calls: the preset keys its typed overloads by their exact text. */
function documentsIn(file: string): Types.DocumentFile[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/graphql\(\s*`([^`]*)`\s*\)/g)].map((match) => ({
    location: file,
    rawSDL: match[1]!,
    document: parse(match[1]!),
  }));
}

/** Every generated file, path relative to this folder → content. `root`: the folder whose sources are scanned. */
export async function generateTypedClient(root: string = HERE): Promise<Map<string, string>> {
  const schemaSDL = readFileSync(SCHEMA_FILE, 'utf8');
  const presetConfig: ClientPresetConfig = {
    fragmentMasking: false,
    // The manifest appgov's APPGOV_TRUSTED_DOCUMENTS reads: sha256 hash → document.
    persistedDocuments: { hashAlgorithm: 'sha256' },
  };
  const sections = await preset.buildGeneratesSection({
    baseOutputDir: OUTPUT_DIR,
    schema: parse(schemaSDL),
    schemaAst: buildSchema(schemaSDL),
    documents: sourceFiles(root).flatMap(documentsIn),
    plugins: [],
    pluginMap: {},
    presetConfig,
    config: {
      scalars: { DateTime: 'string', ID: 'string' },
      strictScalars: true,
      enumsAsTypes: true,
      useTypeImports: true,
      avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
    },
  });
  const files = new Map<string, string>();
  // In the preset's order: persisted-documents.json waits for graphql.ts to have been generated.
  for (const section of sections) {
    files.set(relative(HERE, section.filename), await codegen({ ...section, filename: section.filename }));
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, content] of await generateTypedClient()) {
    mkdirSync(dirname(join(HERE, file)), { recursive: true });
    writeFileSync(join(HERE, file), content);
    process.stderr.write(`wrote examples/typed-client/${file}\n`);
  }
}
