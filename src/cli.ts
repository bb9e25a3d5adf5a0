import { parseArgs } from 'node:util';
import { createToken } from './auth/tokens';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/open';
import { TOKEN_KINDS, type TokenKind } from './db/schema';
import { LIST_FORMATS, printPages, type ListFormat } from './cli-listing';
import { AppgovError, ConflictError } from './errors';
import { createApp, listCatalogApps, type CatalogAppRow } from './services/apps';
import { createClient, listClients, type ClientRow } from './services/clients';

const USAGE = `usage: appgov <command> [options]     (database: APPGOV_DB, default ./data/appgov.db)

  migrate                                       apply the migrations in drizzle/
  client create --name N [--id UUID]            create a client
  app create --name N [--code-name C] [--id UUID]
                                                add an app to the catalog
  token create --kind internal|client [--client UUID] [--scopes apps:read,apps:write] [--name N]
                                                issue a token; its secret is printed once
  client list [--limit N] [--json-array | --format jsonl|json]
                                                the clients, by id
  app list [--limit N] [--json-array | --format jsonl|json]
                                                the catalog, by name

Each command prints one JSON object on stdout; the lists print one JSON object
per line, or one JSON array with --json-array (--format json).`;

class UsageError extends Error {}
/** A list handler printed its own output. */
class Printed {}
/** Asked for help: usage on stdout, exit 0. */
class HelpRequested extends Error {}

type Options = Record<string, string | undefined>;

function parseOptions(args: string[], allowed: string[], required: string[], flags: string[] = []): Options {
  let values: Options;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...Object.fromEntries(allowed.map((name) => [name, { type: 'string' as const }])),
        ...Object.fromEntries(flags.map((name) => [name, { type: 'boolean' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Options });
  } catch (error) {
    // Node's message goes on to explain `--` for positionals: the first sentence is the point.
    throw new UsageError((error as Error).message.split('. ')[0]!);
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

function run(argv: string[]): Record<string, unknown> | Printed {
  const [command, action, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') throw new HelpRequested();
  if (command === undefined) throw new UsageError('a command is required');
  const config = loadConfig();
  const commandLine = command === 'migrate' ? 'migrate' : `${command} ${action ?? ''}`.trim();
  const args = command === 'migrate' ? [action, ...rest].filter((a): a is string => a !== undefined) : rest;
  // Validate the arguments before touching the database, so a typo creates no file.
  const handlers: Record<string, () => Record<string, unknown> | Printed> = {
    migrate: () => {
      parseOptions(args, [], []);
      return withDb(() => ({ database: config.dbPath, migrated: true }));
    },
    'client create': () => {
      const o = parseOptions(args, ['name', 'id'], ['name']);
      return withDb((db) => ({ id: createClient(db, { name: o.name!, ...(o.id ? { id: o.id } : {}) }).id }));
    },
    'app create': () => {
      const o = parseOptions(args, ['name', 'code-name', 'id'], ['name']);
      return withDb((db) => {
        try {
          const app = createApp(db, {
            name: o.name!,
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
      const o = parseOptions(args, ['kind', 'client', 'scopes', 'name'], ['kind']);
      if (!(TOKEN_KINDS as readonly string[]).includes(o.kind!)) {
        throw new UsageError(`--kind must be one of ${TOKEN_KINDS.join(', ')}; got "${o.kind}"`);
      }
      return withDb((db) =>
        createToken(db, {
          kind: o.kind as TokenKind,
          clientId: o.client ?? null,
          ...(o.scopes !== undefined ? { scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
        }),
      );
    },
    'client list': () => {
      const list = listOptions(parseOptions(args, ['limit', 'format'], [], ['json-array']));
      return withDb((db) => {
        printPages<ClientRow>((last, limit) => listClients(db, { after: last?.id ?? null, limit }), list, writeStdout);
        return new Printed();
      });
    },
    'app list': () => {
      const list = listOptions(parseOptions(args, ['limit', 'format'], [], ['json-array']));
      return withDb((db) => {
        printPages<CatalogAppRow>((last, limit) => listCatalogApps(db, { after: last, limit }), list, writeStdout);
        return new Printed();
      });
    },
  };
  const handler = handlers[commandLine];
  if (!handler) throw new UsageError(`unknown command "${commandLine}"`);
  return handler();

  function withDb<T>(work: (db: ReturnType<typeof openDatabase>['db']) => T): T {
    const database = openDatabase(config.dbPath);
    try {
      return work(database.db);
    } finally {
      database.close();
    }
  }
}

/** Every message reads `appgov: <lowercase message>`; a leading name in capitals (PORT, UUID) stays as it is. */
function cliMessage(message: string): string {
  return `appgov: ${/^[A-Z](?![A-Z0-9_])/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message}`;
}

try {
  const result = run(process.argv.slice(2));
  if (!(result instanceof Printed)) process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  if (error instanceof HelpRequested) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${cliMessage(error.message)}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof AppgovError || error instanceof ConfigError) {
    process.stderr.write(`${cliMessage(error.message)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${cliMessage(`unexpected error: ${error instanceof Error ? error.message : String(error)}`)}\n`);
  process.exit(1);
}
