/**
 * The examples of README.md and of every page of docs/ are tests: each page's examples run, in the
 * order written, against a fresh demo database of the page's own (the seeding `npm start` does:
 * src/services/demo.ts, with the demo token), on SQLite and on Postgres, and each shown output must
 * be the real one. Pages are read in the order the README links them; every page of docs/ must be
 * linked from it, and every link between pages (file and #anchor) must lead somewhere.
 *
 * Forms (write new examples in one of these):
 * - A ```graphql block (one operation) immediately followed by a ```json block: the operation is
 *   POSTed to /graphql with `Authorization: Bearer <demo token>`; the json block is the response.
 * - A ```sh block holding one `curl` call to http://127.0.0.1:4000 (`$TOKEN` is the demo token;
 *   -X, -H, -d/--data/--data-raw, --data-urlencode, -F, -G and --json are understood), immediately
 *   followed by a ```json block: the response body. It is replayed through `yoga.fetch`.
 * - A ```sh block of `npx appgov …` lines (the CLI, run for real on the same database file),
 *   immediately followed by a ```json block: what they print on stdout, one value per line.
 * - `export NAME=value` lines in a ```sh block (alone, or before its curl or npx appgov lines)
 *   set `$NAME` for later blocks; a value copied from a shown response (a token the CLI printed)
 *   stands for the real one. `export TOKEN=…` is the demo token, which the harness already has.
 * - `<!-- again -->` right before a ```json block: the previous request sent once more; the block
 *   is its response.
 * - `<!-- not-tested: reason -->` right before a block: a syntax sketch, not run (with the json
 *   block that follows it, if any). Any other ```sh block, or a ```json block that answers no
 *   request, fails the test. Blocks in other languages (ts, text, …) are not examples.
 * - `"$NAME"` (capitals) as a value in a json block: a generated value the reader copies (a cursor,
 *   an id); later blocks pass it back as `$NAME` (GraphQL blocks and sh blocks alike).
 * A request without a json block after it still runs, and must not fail (no GraphQL errors, no
 * 5xx, exit code 0). Responses are compared exactly, key order included, except that an error's
 * `locations` may be left out and generated ids, times, tokens and cursors stand for whatever the
 * service generated (see test/helpers/readme-compare.ts): a value shown once and passed back later
 * is replaced by the real one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/postgres';
import { seedDemoIfEmpty } from '../src/services/demo';
import { postgresBackend } from '../src/store/postgres/backend';
import { seedDemoIfEmptyPg } from '../src/store/postgres/demo';
import { createAppgovYoga, type AppgovYoga } from '../src/yoga';
import { Bindings } from './helpers/readme-compare';
import { freshPostgresDatabase } from './helpers/postgres';
import { curlRequest, fencedBlocks, jsonValues, shellCommands, shellWords, type Block } from './helpers/readme';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `export NAME=value` lines of a sh block: later blocks may use `$NAME`. */
type Exports = [name: string, value: string][];

type Example =
  | { kind: 'graphql'; line: number; query: string; expected: Block | null }
  | { kind: 'curl'; line: number; exports: Exports; command: string; expected: Block | null }
  | { kind: 'cli'; line: number; exports: Exports; commands: string[]; expected: Block | null }
  | { kind: 'export'; line: number; exports: Exports; expected: null }
  | { kind: 'again'; line: number; expected: Block };

function readExamples(page: string, blocks: Block[]): { examples: Example[]; problems: string[] } {
  const examples: Example[] = [];
  const problems: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const next = blocks[i + 1];
    const response = next && next.lang === 'json' && next.adjacent && next.marker === null ? next : null;
    if (block.marker?.kind === 'not-tested') {
      if (response) i++;
      continue;
    }
    if (block.lang === 'graphql') {
      examples.push({ kind: 'graphql', line: block.line, query: block.body, expected: response });
    } else if (block.lang === 'sh' || block.lang === 'bash' || block.lang === 'shell') {
      const lines = shellCommands(block.body);
      // `export TOKEN=agv_…` stands for the demo token, which the harness already has.
      const exports: Exports = lines
        .map((c) => /^export ([A-Za-z_]\w*)=(.*)$/.exec(c))
        .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'TOKEN')
        .map((m) => [m[1]!, m[2]!]);
      const commands = lines.filter((c) => !c.startsWith('export '));
      if (commands.length === 1 && commands[0]!.startsWith('curl ')) {
        examples.push({ kind: 'curl', line: block.line, exports, command: commands[0]!, expected: response });
      } else if (commands.length > 0 && commands.every((c) => /^(\w+=\S*\s+)*npx appgov\b/.test(c))) {
        examples.push({ kind: 'cli', line: block.line, exports, commands, expected: response });
      } else if (commands.length === 0 && exports.length > 0 && !response) {
        examples.push({ kind: 'export', line: block.line, exports, expected: null });
      } else {
        problems.push(`${page} line ${block.line}: a sh block must hold one curl call or only npx appgov lines, or be marked <!-- not-tested: reason -->`);
        continue;
      }
    } else if (block.lang === 'json' && block.marker?.kind === 'again') {
      if (examples.length === 0) problems.push(`${page} line ${block.line}: <!-- again --> with no request before it`);
      else examples.push({ kind: 'again', line: block.line, expected: block });
      continue;
    } else if (block.lang === 'json') {
      problems.push(`${page} line ${block.line}: this json block answers no request (put it right after one, or mark it <!-- again --> or <!-- not-tested: reason -->)`);
      continue;
    } else {
      continue;
    }
    if (response) i++;
  }
  return { examples, problems };
}


interface Fixture {
  yoga: AppgovYoga;
  token: string;
  /** The environment the CLI runs with: this fixture's database. */
  cliEnv: Record<string, string>;
  close(): Promise<void>;
}

/** A fresh demo database on the store, served as `npm start` serves it (SQLite: a file; Postgres: a fresh database). */
async function demoFixture(store: 'sqlite' | 'postgres'): Promise<Fixture> {
  if (store === 'postgres') {
    const url = await freshPostgresDatabase();
    const config = loadConfig({ APPGOV_DATABASE_URL: url });
    const opened = await openPostgres(url, { poolSize: 4 });
    const demo = (await seedDemoIfEmptyPg(opened.pool))!;
    const yoga = createAppgovYoga({ backend: postgresBackend(opened), config, graphiqlToken: demo.token, graphiqlClientId: demo.clientId });
    return { yoga, token: demo.token, cliEnv: { APPGOV_DATABASE_URL: url }, close: () => opened.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'appgov-readme-'));
  const config = loadConfig({ APPGOV_DB: join(dir, 'appgov.db') });
  const database = openDatabase(config.dbPath);
  const demo = seedDemoIfEmpty(database.db)!;
  const yoga = createAppgovYoga({ db: database.db, config, file: database.file, graphiqlToken: demo.token, graphiqlClientId: demo.clientId });
  return {
    yoga,
    token: demo.token,
    cliEnv: { APPGOV_DB: config.dbPath },
    close: async () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Outcome {
  values: unknown[];
  /** Why the request failed, when no response is shown to compare with. */
  failure: string | null;
}

/** One page's examples in order on one store's fresh demo: every shown output the real one. */
function pageOn(page: string, examples: Example[], store: 'sqlite' | 'postgres') {
  let fixture: Fixture;
  const bindings = new Bindings();

  beforeAll(async () => {
    fixture = await demoFixture(store);
  });

  afterAll(async () => {
    await fixture?.close();
  });

  async function fetchOutcome(url: string, init: RequestInit): Promise<Outcome> {
    const response = await fixture.yoga.fetch(url, init);
    const text = await response.text();
    let values: unknown[];
    try {
      values = jsonValues(text);
    } catch {
      values = [text];
    }
    const errors = (values[0] as { errors?: unknown } | undefined)?.errors;
    const failure = response.status >= 500 ? `HTTP ${response.status}: ${text}` : errors ? `errors: ${JSON.stringify(errors)}` : null;
    return { values, failure };
  }

  function runCli(command: string): Outcome {
    const words = shellWords(bindings.substitute(command), shellVars());
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.APPGOV_DATABASE_URL;
    while (/^\w+=/.test(words[0] ?? '')) {
      const [name, ...value] = words.shift()!.split('=');
      env[name!] = value.join('=');
    }
    Object.assign(env, fixture.cliEnv);
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/appgov.js'), ...words.slice(2)], { cwd: ROOT, env, encoding: 'utf8' });
    const failure = run.status === 0 ? null : `exit ${run.status}: ${run.stderr}`;
    return { values: jsonValues(run.stdout), failure };
  }

  /** Variables set by the README's `export` lines, each value with bound README values replaced. */
  const exported = new Map<string, string>();

  function shellVars(): Record<string, string> {
    return { ...bindings.namedValues(), ...Object.fromEntries(exported), TOKEN: fixture.token };
  }

  let previous: Exclude<Example, { kind: 'again' }> | null = null;

  async function run(example: Exclude<Example, { kind: 'again' }>): Promise<Outcome> {
    if (example.kind !== 'graphql') {
      for (const [name, value] of example.exports) exported.set(name, shellWords(bindings.substitute(value), shellVars()).join(' '));
    }
    if (example.kind === 'export') return { values: [], failure: null };
    if (example.kind === 'graphql') {
      bindings.noteRequest(example.query);
      return fetchOutcome('http://127.0.0.1:4000/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.token}` },
        body: JSON.stringify({ query: bindings.substituteGraphql(example.query) }),
      });
    }
    if (example.kind === 'curl') {
      bindings.noteRequest(example.command);
      const { url, init } = curlRequest(shellWords(bindings.substitute(example.command), shellVars()));
      return fetchOutcome(url, init);
    }
    const outcomes = example.commands.map((command) => {
      bindings.noteRequest(command);
      return runCli(command);
    });
    return { values: outcomes.flatMap((o) => o.values), failure: outcomes.find((o) => o.failure)?.failure ?? null };
  }

  for (const example of examples) {
    it(`${page} line ${example.line}: ${example.kind}`, { timeout: 60_000 }, async () => {
      const request = example.kind === 'again' ? previous : example;
      if (request === null) throw new Error('no request to send again');
      previous = request;
      const outcome = await run(request);
      if (example.expected === null) {
        expect(outcome.failure).toBeNull();
        return;
      }
      let shown: unknown[];
      try {
        shown = jsonValues(example.expected.body);
      } catch (error) {
        throw new Error(`${page} line ${example.expected.line}: the json block is not JSON: ${(error as Error).message}`);
      }
      // /health names each store's own checks: the pages show SQLite's (the file, reads, writes); on Postgres it
      // answers the server's, its role and a write (docs/deploy.md, several instances on Postgres).
      if (store === 'postgres' && request.kind === 'curl' && /\/health\b/.test(request.command)) {
        shown = [{ status: 'ok', checks: { server: 'ok', role: 'primary', write: 'ok' }, problems: [] }];
      }
      const mismatches = bindings.compare(shown, outcome.values);
      expect(mismatches, `${page} line ${example.expected.line}; got ${JSON.stringify(outcome.values)}`).toEqual([]);
    });
  }
}

/** The pages, in the order README.md links them: README.md first, then each page of docs/ it links. */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const linkedPages = [...new Set(markdownLinks(README).map((l) => l.target.split('#')[0]!).filter((t) => /^docs\/[\w-]+\.md$/.test(t)))];
const pages = ['README.md', ...linkedPages.filter((page) => existsSync(join(ROOT, page)))];
const docsPages = existsSync(join(ROOT, 'docs')) ? readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [];
const read = pages.map((page) => ({ page, ...readExamples(page, fencedBlocks(readFileSync(join(ROOT, page), 'utf8'))) }));

/** The links of a markdown text outside its code blocks and code spans: `[text](target)`. */
function markdownLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s{0,3}```/.test(text)) fenced = !fenced;
    if (fenced) return;
    for (const m of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ target: m[1]!, line: i + 1 });
  });
  return links;
}

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const text of markdown.split('\n')) {
    if (/^\s{0,3}```/.test(text)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const slug = heading[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

describe('README and docs/: pages and links', () => {
  it('has only runnable or marked blocks', () => {
    expect(read.flatMap((r) => r.problems)).toEqual([]);
    expect(read[0]!.examples.length).toBeGreaterThan(2);
  });

  it('links every page of docs/ from the README', () => {
    expect(docsPages.filter((page) => !pages.includes(page))).toEqual([]);
    expect(linkedPages.filter((page) => !existsSync(join(ROOT, page)))).toEqual([]);
  });

  it('has no broken link between pages (the file and its #anchor)', () => {
    const broken: string[] = [];
    for (const page of ['README.md', ...docsPages, ...(existsSync(join(ROOT, 'CHANGELOG.md')) ? ['CHANGELOG.md'] : [])]) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const { target, line } of markdownLinks(text)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), path);
        if (!existsSync(file)) broken.push(`${page}:${line}: ${target} (no such file)`);
        else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${page}:${line}: ${target} (no heading #${anchor} in ${relative(ROOT, file)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('reads GitHub anchors as GitHub writes them', () => {
    expect([...anchorsOf('# The `appgov` command\n## Rate limits, busy database\n## Rate limits, busy database\n```\n# not a heading\n```')]).toEqual([
      'the-appgov-command',
      'rate-limits-busy-database',
      'rate-limits-busy-database-1',
    ]);
  });
});

// A page with no examples is fine: it has nothing to run.
for (const { page, examples } of read.filter((r) => r.examples.length > 0)) {
  describe(`${page} examples, in order, on a fresh demo database: SQLite`, () => pageOn(page, examples, 'sqlite'));
  describe(`${page} examples, in order, on a fresh demo database: Postgres`, () => pageOn(page, examples, 'postgres'));
}
