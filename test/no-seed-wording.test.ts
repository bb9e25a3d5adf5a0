/**
 * The documents this project was built from were called "seeds" (seed 000 … seed 003) while it was
 * written; its users never saw them, so nothing a user reads may name them: not the README or
 * docs, not the schema's descriptions, not the OpenAPI document, not the CLI's help, not what the
 * server prints, not a string in src/ (error messages, summaries, descriptions). The APIs are named
 * by what they are: the approvals REST API, the Slack-compatible admin.apps Web API, the
 * app-assignment API, workspaces, install requests.
 *
 * "Seed" as the verb of the demo database ("seeds the demo", "a freshly seeded demo") is ordinary
 * English and stays: the patterns below match only the source-document sense.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index';
import { createAppgovYoga } from '../src/yoga';
import { cliOn } from './helpers/cli';
import { testDatabase } from './helpers/db';
import { rest } from './helpers/rest';
import { startServer, stopServer } from './helpers/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The source-document sense of "seed", each pattern with what it catches. */
const SOURCE_DOCUMENT_WORDING: RegExp[] = [
  /\bseeds?[\s-]*\d{3}\b/i, // "seed 002", "Seed 000's request", "seeds 000 and 001", "seed-002"
  /\bthe seeds?(?:'s|')/i, // "the seed's parameter table", "the seeds' REST routes"
  /\(seeds?\b/i, // "(seed 003)", "(seed 003, v3)"
  /\bseeds?(?:'s|')?\s+(?:REST|routes?|API|documents?|parameter|table|rules?|old|own|example)\b/i, // "seed REST routes", "seeds' own example"
];

/** Each line of `text` that names the source documents, as `label:line: text`. */
function seedWording(label: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (SOURCE_DOCUMENT_WORDING.some((p) => p.test(line)) ? [`${label}:${i + 1}: ${line.trim()}`] : []));
}

function filesUnder(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Every string literal and template piece in a TypeScript file: the text the code can show a user (comments excluded). */
function stringLiterals(file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    node.forEachChild(visit);
  };
  visit(source);
  return found;
}

describe('no user-facing text calls the source documents "seeds"', () => {
  it('the patterns catch the old wording and leave the demo database verb alone', () => {
    const caught = ['seed 002', 'Seed 000\'s request', 'the REST interface that seeds 000 and 001 document', "the seeds' REST routes", "mapped per the seed's parameter table", 'List app assignments (seed 003, v3)', 'seed-002 refusal'];
    const allowed = ['seeds the demo on an empty database', 'only for a freshly seeded demo', 'what `npm start` seeds, with its token', 'seedDemoIfEmpty', 'a random seed of 16'];
    expect(caught.filter((text) => seedWording('t', text).length === 0)).toEqual([]);
    expect(allowed.flatMap((text) => seedWording('t', text))).toEqual([]);
  });

  it('README.md and docs/', () => {
    const files = [join(ROOT, 'README.md'), ...filesUnder(join(ROOT, 'docs'), '.md')];
    expect(files.flatMap((file) => seedWording(relative(ROOT, file), readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('the GraphQL schema: as built, and the committed schema.graphql', () => {
    expect(seedWording('printSchema', printSchema(schema))).toEqual([]);
    expect(seedWording('schema.graphql', readFileSync(join(ROOT, 'schema.graphql'), 'utf8'))).toEqual([]);
  });

  it('the OpenAPI document the server serves at /v2/openapi.json', async () => {
    const yoga = createAppgovYoga({ db: testDatabase().db, config: { maxBulkIds: 10 } });
    const res = await rest(yoga, 'GET', '/v2/openapi.json');
    expect(res.status).toBe(200);
    // One line per string in the document, named by its JSON path.
    const strings: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (typeof value === 'string') strings.push(`${path} = ${value.replaceAll('\n', ' ')}`);
      else if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
    };
    walk(res.body, '$');
    expect(seedWording('openapi.json', strings.join('\n'))).toEqual([]);
  });

  it("the CLI's help: of all commands, and of each one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-noseed-cli-'));
    try {
      const appgov = cliOn(join(dir, 'unused.db'));
      const help = await appgov('--help');
      expect(help.code).toBe(0);
      const commands = [...help.stdout.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?: --| \[| [A-Z]+$|$)/gm)].map((m) => m[1]!);
      expect(commands).toContain('token create');
      // Two at a time: each is a node process, and the test machine may have two cores for all the test files.
      const each: string[] = [];
      const queue = [...commands];
      const helpOf = async () => {
        for (let command = queue.shift(); command !== undefined; command = queue.shift()) each.push(`${command}\n${(await appgov(...command.split(' '), '--help')).stdout}`);
      };
      await Promise.all([helpOf(), helpOf()]);
      expect(seedWording('appgov --help', [help.stdout, help.stderr, ...each].join('\n'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  describe('what the server prints at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-noseed-server-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('with the demo loaded into an empty database, and then with the token hint on the same one', async () => {
      const printed: string[] = [];
      for (const start of ['first', 'second']) {
        const server = await startServer({ APPGOV_DB: join(dir, 'banner.db') });
        try {
          printed.push(...seedWording(`${start} start stdout`, server.stdout()), ...seedWording(`${start} start stderr`, server.stderr()));
          expect(server.stdout()).toContain(start === 'first' ? 'Loaded the demo organisation' : 'Need a token?');
        } finally {
          await stopServer(server);
        }
      }
      expect(printed).toEqual([]);
    }, 60_000);
  });

  it('every string literal in src/ (error messages, descriptions, summaries, banner and CLI text)', () => {
    const hits = filesUnder(join(ROOT, 'src'), '.ts').flatMap((file) =>
      stringLiterals(file).flatMap(({ line, text }) => seedWording(relative(ROOT, file), text).map((hit) => hit.replace(/:\d+:/, `:${line}:`))),
    );
    expect(hits).toEqual([]);
  });
});
