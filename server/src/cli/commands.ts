// Offline commands of server/dist/main.js: keys create|list|revoke, backup, restore (issue #4).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createKeyStore } from '../auth/keys';
import { openDatabase } from '../store/sqlite/database';
import { validateKeyRequest } from '../http/keysRoute';
import { backupDatabase, restoreDatabase } from '../security/backup';

export const COMMANDS = ['keys', 'backup', 'restore'] as const;

export function isCommand(argv: readonly string[]): boolean {
  return (COMMANDS as readonly string[]).includes(argv[0] ?? '');
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Runs a command; resolves with the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runCommand(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  const usage = (message: string) => {
    io.err(`ringside ${command}: ${message}\n`);
    return 2;
  };
  try {
    if (command === 'keys') {
      const [action, ...args] = rest;
      const { values } = parseArgs({
        args,
        strict: true,
        options: { data: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' }, expires: { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean' } },
      });
      if (!values.data) return usage('--data DIR is required');
      if (action === 'create') {
        const v = validateKeyRequest(
          { name: values.name, scopes: values.scope?.split(',').map((s) => s.trim()), ...(values.expires ? { expiresAt: values.expires } : {}) },
          Date.now(),
        );
        if (!v.ok) return usage(v.errors.map((e) => `--${e.path.replace(/^scopes(\.\d+)?$/, 'scope').replace('expiresAt', 'expires')} ${e.message}`).join('; '));
        return withKeys(values.data, (keys) => {
          const created = keys.create({ name: v.name, scopes: v.scopes, expiresAtMs: v.expiresAtMs, source: 'cli' });
          if (values.json) io.out(JSON.stringify({ key: created.key, ...created.info }) + '\n');
          else {
            io.out(created.key + '\n');
            io.err(`created key ${created.info.id} "${created.info.name}" (${created.info.scopes.join(', ')}); the key above is shown only once\n`);
          }
          return 0;
        });
      }
      if (action === 'list') {
        return withKeys(values.data, (keys) => {
          io.out(JSON.stringify(keys.list(), null, 2) + '\n');
          return 0;
        });
      }
      if (action === 'revoke') {
        if (!values.id) return usage('--id ID is required');
        return withKeys(values.data, (keys) => {
          if (!keys.revoke(values.id!)) {
            io.err(`ringside keys: no key with id ${values.id}\n`);
            return 1;
          }
          io.err(`revoked ${values.id}\n`);
          return 0;
        });
      }
      return usage('use keys create | keys list | keys revoke');
    }
    if (command === 'backup') {
      const { values } = parseArgs({ args: [...rest], strict: true, options: { data: { type: 'string' }, to: { type: 'string' } } });
      if (!values.data || !values.to) return usage('--data DIR and --to FILE are required');
      const result = await backupDatabase(resolve(values.data), resolve(values.to));
      io.err(`backup written to ${result.file} (${result.events} events, schema version ${result.schemaVersion})\n`);
      return 0;
    }
    if (command === 'restore') {
      const { values } = parseArgs({ args: [...rest], strict: true, options: { data: { type: 'string' }, from: { type: 'string' }, force: { type: 'boolean' } } });
      if (!values.data || !values.from) return usage('--from FILE and --data DIR are required');
      const result = restoreDatabase(resolve(values.from), resolve(values.data), { force: values.force ?? false });
      io.err(`restored ${result.events} events into ${resolve(values.data)}${result.replaced ? `; the previous database was kept as ${result.replaced}` : ''}\n`);
      return 0;
    }
    return usage('unknown command');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return usage(e.message);
    io.err(`ringside ${command}: ${e.message}\n`);
    return 1;
  }
}

function withKeys(dataDir: string, run: (keys: ReturnType<typeof createKeyStore>) => number): number {
  // Opening runs the migrations, so a key can be created before the server first starts.
  const db = openDatabase(resolve(dataDir));
  try {
    const keys = createKeyStore(db);
    const code = run(keys);
    keys.flush();
    return code;
  } finally {
    db.close();
  }
}
