import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Principal } from './auth/principal';
import { parseExpiry } from './auth/tokens';
import { backupDatabase, BackupRefusedError } from './cli-backup';
import { openCliStore, type CliStore } from './cli-store';
import { ConfigError, databaseLabel, loadConfig } from './config';
import { DatabaseFileError, DEFAULT_BUSY_TIMEOUT_MS } from './db/open';
import { TOKEN_KINDS, type TokenKind } from './db/schema';
import { LIST_FORMATS, printPages, type ListFormat } from './cli-listing';
import { AppgovError, ConflictError } from './errors';
import type { CatalogAppRow } from './services/apps';
import type { ClientRow } from './services/clients';
import { parseId } from './services/ids';
import { NotFoundError } from './errors';

/** History names the CLI as the actor of what it changes (app scope changes, fixture requests). */
const CLI_ACTOR: Principal = { tokenId: 'cli', kind: 'internal', name: 'appgov cli', clientId: null, scopes: [] };

const scopeList = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/** Every command: its synopsis and what it does (`appgov <command> --help` prints one; `--help` all). */
const COMMANDS: readonly { name: string; synopsis: string; summary: string }[] = [
  { name: 'migrate', synopsis: '', summary: 'apply the migrations in drizzle/' },
  {
    name: 'backup',
    synopsis: 'FILE',
    summary: 'copy the SQLite database into a new FILE, safe while the server runs and writes (never overwrites; Postgres: use pg_dump)',
  },
  { name: 'directory create', synopsis: '--name N [--id UUID]', summary: 'create a directory (partner account)' },
  { name: 'client create', synopsis: '--name N [--id UUID] [--directory UUID]', summary: 'create a client (with --directory: a business of that directory)' },
  {
    name: 'app create',
    synopsis: '--name N [--code-name C] [--id UUID] [--scopes a,b] [--owner-directory UUID] [--hidden-from-market]',
    summary: 'add an app to the catalog (owned by a directory: private)',
  },
  {
    name: 'app update',
    synopsis: '--id UUID [--name N] [--scopes a,b,c]',
    summary: 'rename an app or change its scopes; org approvals that no longer cover the scopes are lost',
  },
  { name: 'workspace create', synopsis: '--client UUID --name N [--id UUID]', summary: 'create a workspace of a client' },
  {
    name: 'request create',
    synopsis: '--workspace UUID --app UUID [--scopes a,b] [--message M] [--requester NAME]',
    summary: 'file a pending install request',
  },
  {
    name: 'token create',
    synopsis: '--kind internal|client|directory [--client UUID] [--directory UUID] [--scopes apps:read,apps:write] [--name N] [--expires-in 30d|12h|90m | --expires-at 2027-01-31]',
    summary: 'issue a token; its secret is printed once',
  },
  { name: 'token revoke', synopsis: '--id UUID', summary: 'revoke a token for good' },
  { name: 'token list', synopsis: '', summary: 'every token (never the secret)' },
  { name: 'client list', synopsis: '[--limit N] [--json-array | --format jsonl|json]', summary: 'the clients, by id' },
  { name: 'app list', synopsis: '[--limit N] [--json-array | --format jsonl|json]', summary: 'the catalog, by name' },
];

const DATABASE_NOTE = '(database: APPGOV_DATABASE_URL when set, else the SQLite file APPGOV_DB, default ./data/appgov.db of the folder it runs in)';
const OUTPUT_NOTE = `Each command prints one JSON object on stdout; the lists print one JSON object
per line, or one JSON array with --json-array (--format json).`;

const USAGE = [
  `usage: appgov <command> [options]     ${DATABASE_NOTE}`,
  '       appgov <command> --help        one command\'s options',
  '       appgov --version',
  '',
  ...COMMANDS.map((c) => `  ${`${c.name} ${c.synopsis}`.trim()}\n      ${c.summary}`),
  '',
  OUTPUT_NOTE,
].join('\n');

function commandUsage(name: string): string {
  const command = COMMANDS.find((c) => c.name === name)!;
  return [`usage: appgov ${`${command.name} ${command.synopsis}`.trim()}`, '', `  ${command.summary}`, `  ${DATABASE_NOTE}`].join('\n');
}

/** Set by scripts/build.mjs in a compiled bundle (package.json's version); undeclared under tsx. */
declare const APPGOV_PACKAGE_VERSION: string | undefined;

/** The package's version: package.json's, beside src/ (or as it was when the bundle was built). */
function packageVersion(): string {
  if (typeof APPGOV_PACKAGE_VERSION === 'string') return APPGOV_PACKAGE_VERSION;
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A bad command line; `command` is the command it was meant for, once known. */
class UsageError extends Error {
  command: string | null = null;
}
/** A list handler printed its own output. */
class Printed {}
/** Asked for help (of one command, or of all): usage on stdout, exit 0. */
class HelpRequested extends Error {
  constructor(readonly command: string | null = null) {
    super('help');
  }
}
/** Asked for the version. */
class VersionRequested extends Error {}

type Options = Record<string, string | undefined>;

/** `flags` take no value (`--hidden-from-market`); a given flag reads as "true". */
function parseOptions(args: string[], allowed: string[], required: string[], flags: string[] = []): Options {
  let values: Options;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries([
        ...allowed.map((name) => [name, { type: 'string' as const }]),
        ...flags.map((name) => [name, { type: 'boolean' as const }]),
      ]),
      strict: true,
      allowPositionals: false,
    }) as { values: Options });
  } catch (error) {
    // Node's message goes on to explain `--` for positionals: the first sentence is the point.
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
  for (const name of flags) {
    if (values[name] !== undefined) values[name] = 'true';
  }
  for (const name of required) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  return values;
}

/** --limit, and --format / --json-array, of the list commands. */
function listOptions(o: Options): { limit: number | null; format: ListFormat } {
  if (o.limit !== undefined && !/^[1-9]\d{0,8}$/.test(o.limit)) throw new UsageError(`--limit must be a whole number from 1; got "${o.limit}"`);
  if (o.format !== undefined && !(LIST_FORMATS as readonly string[]).includes(o.format)) {
    throw new UsageError(`--format must be one of ${LIST_FORMATS.join(', ')}; got "${o.format}"`);
  }
  if (o['json-array'] && o.format === 'jsonl') throw new UsageError('--json-array and --format jsonl contradict each other');
  return { limit: o.limit === undefined ? null : Number(o.limit), format: o['json-array'] ? 'json' : ((o.format as ListFormat | undefined) ?? 'jsonl') };
}

const writeStdout = (text: string) => void process.stdout.write(text);

async function run(argv: string[]): Promise<Record<string, unknown> | Printed> {
  const [command, action, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') throw new HelpRequested();
  if (command === '--version' || command === '-v') throw new VersionRequested();
  if (command === undefined) throw new UsageError('a command is required');
  // One-word commands take everything after the command as their arguments.
  const single = command === 'migrate' || command === 'backup';
  const commandLine = single ? command : `${command} ${action ?? ''}`.trim();
  const args = single ? [action, ...rest].filter((a): a is string => a !== undefined) : rest;
  if (!COMMANDS.some((c) => c.name === commandLine)) throw new UsageError(`unknown command "${commandLine}"`);
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(commandLine);
  const config = loadConfig();
  // Validate the arguments before touching the database, so a typo creates no file.
  const handlers: Record<string, () => Promise<Record<string, unknown> | Printed>> = {
    migrate: () => {
      parseOptions(args, [], []);
      return withDb(async () => ({ database: databaseLabel(config), migrated: true }));
    },
    backup: async () => {
      let positionals: string[];
      try {
        ({ positionals } = parseArgs({ args, options: {}, strict: true, allowPositionals: true }));
      } catch (error) {
        throw new UsageError((error as Error).message.split('. ')[0]!);
      }
      if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'the backup FILE is required' : 'give one backup FILE');
      return { ...(await backupDatabase(config, positionals[0]!)) };
    },
    'client create': () => {
      const o = parseOptions(args, ['name', 'id', 'directory'], ['name']);
      return withDb(async (db) => ({
        id: (await db.createClient({ name: o.name!, ...(o.id ? { id: o.id } : {}), ...(o.directory ? { directoryId: o.directory } : {}) })).id,
      }));
    },
    'directory create': () => {
      const o = parseOptions(args, ['name', 'id'], ['name']);
      return withDb(async (db) => ({ id: (await db.createDirectory({ name: o.name!, ...(o.id ? { id: o.id } : {}) })).id }));
    },
    'app create': () => {
      const o = parseOptions(args, ['name', 'code-name', 'id', 'scopes', 'owner-directory'], ['name'], ['hidden-from-market']);
      return withDb(async (db) => {
        try {
          const app = await db.createApp({
            name: o.name!,
            ...(o.scopes !== undefined ? { scopes: scopeList(o.scopes) } : {}),
            ...(o['owner-directory'] ? { ownerDirectoryId: o['owner-directory'] } : {}),
            ...(o['hidden-from-market'] ? { hiddenFromMarket: true } : {}),
            ...(o['code-name'] !== undefined ? { codeName: o['code-name'] } : {}),
            ...(o.id ? { id: o.id } : {}),
          });
          return { id: app.id, codeName: app.codeName };
        } catch (error) {
          if (error instanceof ConflictError && error.details.field === 'codeName') {
            const hint = o['code-name'] === undefined ? 'it comes from the name; choose one with --code-name' : 'choose another --code-name';
            throw new ConflictError(`${error.message}: ${hint}`, error.details);
          }
          throw error;
        }
      });
    },
    'token create': () => {
      const o = parseOptions(args, ['kind', 'client', 'directory', 'scopes', 'name', 'expires-in', 'expires-at'], ['kind']);
      if (!(TOKEN_KINDS as readonly string[]).includes(o.kind!)) {
        throw new UsageError(`--kind must be one of ${TOKEN_KINDS.join(', ')}; got "${o.kind}"`);
      }
      if (o['expires-in'] !== undefined && o['expires-at'] !== undefined) {
        throw new UsageError('give --expires-in or --expires-at, not both');
      }
      const expiry = o['expires-in'] ?? o['expires-at'];
      const expiresAt = expiry === undefined ? null : parseExpiry(expiry);
      return withDb((db) =>
        db.createToken({
          expiresAt,
          kind: o.kind as TokenKind,
          clientId: o.client ?? null,
          directoryId: o.directory ?? null,
          ...(o.scopes !== undefined ? { scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
        }),
      );
    },
    'token revoke': () => {
      const o = parseOptions(args, ['id'], ['id']);
      return withDb((db) => db.revokeToken(o.id!));
    },
    'token list': () => {
      parseOptions(args, [], []);
      return withDb(async (db) => ({ tokens: await db.listTokens() }));
    },
    'workspace create': () => {
      const o = parseOptions(args, ['client', 'name', 'id'], ['client', 'name']);
      return withDb(async (db) => ({ id: (await db.createWorkspace({ clientId: o.client!, name: o.name!, ...(o.id ? { id: o.id } : {}) })).id }));
    },
    'app update': () => {
      const o = parseOptions(args, ['id', 'name', 'scopes'], ['id']);
      if (o.name === undefined && o.scopes === undefined) throw new UsageError('give --name or --scopes (or both)');
      return withDb((db) =>
        db.updateAppCatalog({ appId: o.id!, name: o.name ?? null, scopes: o.scopes !== undefined ? scopeList(o.scopes) : null, actor: CLI_ACTOR }),
      );
    },
    'request create': () => {
      const o = parseOptions(args, ['workspace', 'app', 'scopes', 'message', 'requester'], ['workspace', 'app']);
      return withDb(async (db) => {
        const workspace = await db.findWorkspace(parseId(o.workspace!, 'workspace'));
        if (!workspace) throw new NotFoundError(`Workspace not found: ${o.workspace}`, { field: 'workspace' });
        const request = await db.createInstallRequest({
          clientId: workspace.clientId,
          workspaceId: workspace.id,
          appId: o.app!,
          scopes: o.scopes !== undefined ? scopeList(o.scopes) : null,
          message: o.message ?? null,
          requester: o.requester ?? null,
          actor: CLI_ACTOR,
        });
        return { id: request.id };
      });
    },
    'client list': () => {
      const list = listOptions(parseOptions(args, ['limit', 'format'], [], ['json-array']));
      return withDb(async (db) => {
        await printPages<ClientRow>((last, limit) => db.listClients({ after: last?.id ?? null, limit }), list, writeStdout);
        return new Printed();
      });
    },
    'app list': () => {
      const list = listOptions(parseOptions(args, ['limit', 'format'], [], ['json-array']));
      return withDb(async (db) => {
        await printPages<CatalogAppRow>((last, limit) => db.listCatalogApps({ after: last, limit }), list, writeStdout);
        return new Printed();
      });
    },
  };
  const handler = handlers[commandLine];
  if (!handler) throw new Error(`no handler for the listed command "${commandLine}"`);
  try {
    return await handler();
  } catch (error) {
    if (error instanceof UsageError && !error.command) error.command = commandLine;
    // What the command found or refused is about one database: the message names it.
    if (error instanceof AppgovError) error.message = `${error.message} (database: ${databaseLabel(config)})`;
    throw error;
  }

  async function withDb<T>(work: (db: CliStore) => Promise<T>): Promise<T> {
    const store = await openCliStore(config);
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }
}

/** Every message reads `appgov: <lowercase message>`; a leading name in capitals (PORT, UUID) stays as it is. */
function cliMessage(message: string): string {
  return `appgov: ${/^[A-Z](?![A-Z0-9_])/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message}`;
}

try {
  const result = await run(process.argv.slice(2));
  if (!(result instanceof Printed)) process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  if (error instanceof HelpRequested) {
    process.stdout.write(`${error.command ? commandUsage(error.command) : USAGE}\n`);
    process.exit(0);
  }
  if (error instanceof VersionRequested) {
    process.stdout.write(`appgov ${packageVersion()}\n`);
    process.exit(0);
  }
  if (error instanceof UsageError) {
    // One line, and where the full story is.
    process.stderr.write(`${cliMessage(error.message)} (see: appgov ${error.command ? `${error.command} ` : ''}--help)\n`);
    process.exit(2);
  }
  if (error instanceof DatabaseFileError) {
    process.stderr.write(`appgov: APPGOV_DB: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof AppgovError || error instanceof ConfigError || error instanceof BackupRefusedError) {
    process.stderr.write(`${cliMessage(error.message)}\n`);
    process.exit(1);
  }
  if ((error as { code?: unknown } | null)?.code === 'SQLITE_BUSY') {
    // Another process (a server's bulk call, a long read-write transaction) held the write lock past the wait.
    process.stderr.write(`${cliMessage(`the database is busy: another process held its write lock for longer than ${DEFAULT_BUSY_TIMEOUT_MS / 1000} s; nothing was written, try again`)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${cliMessage(`unexpected error: ${error instanceof Error ? error.message : String(error)}`)}\n`);
  process.exit(1);
}
