import { parseArgs } from 'node:util';
import { createToken } from './auth/tokens';
import { ConfigError, loadConfig } from './config';
import { DatabaseFileError, openDatabase } from './db/open';
import { TOKEN_KINDS, type TokenKind } from './db/schema';
import { AppgovError } from './errors';
import { createApp } from './services/apps';
import { createClient } from './services/clients';
import { createDirectory } from './services/directories';

const USAGE = `usage: appgov <command> [options]     (database: APPGOV_DB, default ./data/appgov.db)

  migrate                                       apply the migrations in drizzle/
  directory create --name N [--id UUID]         create a directory (partner account)
  client create --name N [--id UUID] [--directory UUID]
                                                create a client (with --directory: a business of that directory)
  app create --name N [--code-name C] [--id UUID] [--owner-directory UUID] [--hidden-from-market]
                                                add an app to the catalog (owned by a directory: private)
  token create --kind internal|client|directory [--client UUID] [--directory UUID] [--scopes apps:read,apps:write] [--name N]
                                                issue a token; its secret is printed once

Each command prints one JSON object on stdout.`;

class UsageError extends Error {}
/** Asked for help: usage on stdout, exit 0. */
class HelpRequested extends Error {}

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
    throw new UsageError((error as Error).message);
  }
  for (const name of flags) {
    if (values[name] !== undefined) values[name] = 'true';
  }
  for (const name of required) {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  return values;
}

function run(argv: string[]): Record<string, unknown> {
  const [command, action, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') throw new HelpRequested();
  if (command === undefined) throw new UsageError('a command is required');
  const config = loadConfig();
  const commandLine = command === 'migrate' ? 'migrate' : `${command} ${action ?? ''}`.trim();
  const args = command === 'migrate' ? [action, ...rest].filter((a): a is string => a !== undefined) : rest;
  // Validate the arguments before touching the database, so a typo creates no file.
  const handlers: Record<string, () => Record<string, unknown>> = {
    migrate: () => {
      parseOptions(args, [], []);
      return withDb(() => ({ database: config.dbPath, migrated: true }));
    },
    'client create': () => {
      const o = parseOptions(args, ['name', 'id', 'directory'], ['name']);
      return withDb((db) => ({
        id: createClient(db, { name: o.name!, ...(o.id ? { id: o.id } : {}), ...(o.directory ? { directoryId: o.directory } : {}) }).id,
      }));
    },
    'directory create': () => {
      const o = parseOptions(args, ['name', 'id'], ['name']);
      return withDb((db) => ({ id: createDirectory(db, { name: o.name!, ...(o.id ? { id: o.id } : {}) }).id }));
    },
    'app create': () => {
      const o = parseOptions(args, ['name', 'code-name', 'id', 'owner-directory'], ['name'], ['hidden-from-market']);
      return withDb((db) => {
        const app = createApp(db, {
          name: o.name!,
          ...(o['owner-directory'] ? { ownerDirectoryId: o['owner-directory'] } : {}),
          ...(o['hidden-from-market'] ? { hiddenFromMarket: true } : {}),
          ...(o['code-name'] !== undefined ? { codeName: o['code-name'] } : {}),
          ...(o.id ? { id: o.id } : {}),
        });
        return { id: app.id, codeName: app.codeName };
      });
    },
    'token create': () => {
      const o = parseOptions(args, ['kind', 'client', 'directory', 'scopes', 'name'], ['kind']);
      if (!(TOKEN_KINDS as readonly string[]).includes(o.kind!)) {
        throw new UsageError(`--kind must be one of ${TOKEN_KINDS.join(', ')}; got "${o.kind}"`);
      }
      return withDb((db) =>
        createToken(db, {
          kind: o.kind as TokenKind,
          clientId: o.client ?? null,
          directoryId: o.directory ?? null,
          ...(o.scopes !== undefined ? { scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
        }),
      );
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

try {
  const result = run(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  if (error instanceof HelpRequested) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`appgov: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof DatabaseFileError) {
    process.stderr.write(`appgov: APPGOV_DB: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof AppgovError || error instanceof ConfigError) {
    process.stderr.write(`appgov: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
