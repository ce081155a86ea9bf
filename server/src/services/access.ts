// Deciding, at start, how the server is protected: keys (the default) or open (--no-auth, loopback only).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PRIVATE_FILE_MODE } from '../domain/fileModes';
import { isLoopback } from '../protocol/pure';
import type { KeysService } from './keys';

export const ADMIN_KEY_FILE = 'admin.key';

/** A start-up refusal caused by configuration: the process exits 2 with the message. */
export class StartupRefused extends Error {
  readonly exitCode = 2;
}

export type AccessMode = 'keys' | 'open';

export interface AccessSetup {
  mode: AccessMode;
  /** Set when this start created the local admin key file. */
  adminKeyFile?: string;
}

/**
 * Checked before opening the store, so a refused start leaves no trace: `--no-auth` off loopback, and a start off
 * loopback without an env key that would create the store (`newStore`: a SQLite folder without its database, a
 * PostgreSQL database without Ringside's schema), which then holds no key either. `newStore` is asked only then.
 */
export async function checkBinding(opts: { host: string; dataDir: string; shownDatabaseUrl?: string; noAuth: boolean; envKey?: string; newStore: () => Promise<boolean> }): Promise<void> {
  if (opts.noAuth && !isLoopback(opts.host)) {
    throw new StartupRefused(`--no-auth is only allowed on a loopback address (127.0.0.1, ::1, localhost), not ${opts.host}`);
  }
  if (!opts.noAuth && !opts.envKey && !isLoopback(opts.host) && (await opts.newStore())) throw withoutKey(opts.host, opts.dataDir, opts.shownDatabaseUrl);
}

/**
 * The refusal, with the command that makes the key, ready to paste: on PostgreSQL it names the database (`shown`: its
 * URL with the password as ***), or the key would go into a new SQLite store in DIR, which this node never reads.
 */
function withoutKey(host: string, dataDir: string, shown?: string): StartupRefused {
  const database = shown === undefined ? '' : ` --database ${shellWord(shown)}`;
  // Not on a command line for good, where every user of the machine can read it (ps): PGPASSWORD is the other way.
  // The password is shown as *** wherever the URL held it: after the user name, and as ?password=… (both are read).
  const placeholders = shown?.match(/:\*\*\*(?=@)|(?<=[?&])password=\*\*\*/g) ?? [];
  const password = placeholders.length ? `; put the password back in place of ***, or leave out ${placeholders.join(' and ')} and give the password in PGPASSWORD` : '';
  return new StartupRefused(
    `refusing to listen on ${host} without an API key: set RINGSIDE_API_KEY, or create a key first ` +
      `(node server/dist/main.js keys create --data ${shellWord(dataDir)}${database} --init --name NAME --scope admin${password}), or bind to 127.0.0.1`,
  );
}

/** `word` as a shell reads it back: as it is, or in single quotes where it holds anything a shell would act on (*, &, ?, spaces). */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`);

export async function setUpAccess(opts: { host: string; dataDir: string; shownDatabaseUrl?: string; keys: KeysService; envKey?: string; noAuth: boolean; logger: Logger }): Promise<AccessSetup> {
  if (opts.noAuth) {
    opts.logger.warn({ host: opts.host }, 'authentication is OFF (--no-auth): every local client is an admin');
    return { mode: 'open' };
  }
  if (opts.envKey) {
    if (opts.envKey.length < 16) opts.logger.warn('RINGSIDE_API_KEY is shorter than 16 characters; use a long random key');
    return { mode: 'keys' };
  }
  if ((await opts.keys.activeCount()) > 0) return { mode: 'keys' };
  if (!isLoopback(opts.host)) throw withoutKey(opts.host, opts.dataDir, opts.shownDatabaseUrl);
  // A fresh local server: one admin key, written where the extension's "Start Local Server" reads it.
  const file = join(opts.dataDir, ADMIN_KEY_FILE);
  const created = await opts.keys.create({ name: 'local admin (auto)', scopes: ['admin'], source: 'auto' }, { keyId: 'system' });
  writeFileSync(file, created.key + '\n', { mode: PRIVATE_FILE_MODE });
  chmodSync(file, PRIVATE_FILE_MODE); // the mode above only applies when the file is new
  opts.logger.warn({ file, keyId: created.info.id }, `no API key was configured: created an admin key and wrote it to ${file}`);
  return { mode: 'keys', adminKeyFile: file };
}
