// Who may read the data folder and the backups: what Ringside creates there is its owner's alone (the database holds
// every event, agent names and key hashes), and what exists already keeps its mode, with a warning when every user
// of the machine may read the database. Real processes under the usual umask (022), which alone would give 0755/0644.
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { mainJs, runNode, useCliScratch, type CliServer } from '../support/cli';

const cli = useCliScratch();
const scratch = cli.dataDir;
let umask: number;
beforeAll(() => {
  umask = process.umask(0o022); // the children inherit it
});
afterAll(() => process.umask(umask));

const modeOf = (path: string) => statSync(path).mode & 0o777;
/** Every entry of a folder with its mode, in octal: what a test expects, and what a failure prints. */
const modes = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((name) => [name, modeOf(join(dir, name)).toString(8)]));

/** A server on `dir`, once it has logged its start (a warning about the folder comes before that line). */
async function start(dir: string): Promise<CliServer> {
  const s = await cli.start(['--port', '0', '--data', dir]);
  await s.until('stderr', /"msg":"server started"/);
  return s;
}
/** The warning naming a database every user may read, parsed; undefined when there is none. */
const exposureWarning = (s: CliServer) => {
  const line = s.stderr().split('\n').find((l) => l.includes('readable by every user'));
  return line === undefined ? undefined : (JSON.parse(line) as { level: number; msg: string });
};
async function stop(s: CliServer): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
}

describe('a new data folder and a backup', () => {
  it('are the owner’s only: the folder 0700, the database, its -wal and -shm, the lock, the secrets and the chain witness 0600', async () => {
    const dir = join(scratch(), 'data');
    const s = await start(dir);
    expect((await fetch(`${s.url}/api/v1/health`)).status).toBe(200);
    expect(modeOf(dir).toString(8)).toBe('700');
    expect(modes(dir)).toEqual({ 'admin.key': '600', 'audit-signing.json': '600', 'audit.secret': '600', 'chain-witness.json': '600', 'ringside.db': '600', 'ringside.db-shm': '600', 'ringside.db-wal': '600', 'ringside.lock': '600' });
    expect(exposureWarning(s)).toBeUndefined();

    // Online, into a folder the backup creates.
    const backups = join(scratch(), 'backups');
    const backup = await runNode([mainJs, 'backup', '--data', dir, '--to', join(backups, 'ringside.db')]);
    expect(backup.status, backup.stderr).toBe(0);
    expect(modeOf(backups).toString(8)).toBe('700');
    expect(modes(backups)).toEqual({ 'ringside.db': '600' });
    await stop(s);

    // Restored into a folder of its own, it is a new database there: the owner's only, whatever the backup's mode.
    chmodSync(join(backups, 'ringside.db'), 0o644);
    const elsewhere = join(scratch(), 'restored');
    const restore = await runNode([mainJs, 'restore', '--from', join(backups, 'ringside.db'), '--data', elsewhere]);
    expect(restore.status, restore.stderr).toBe(0);
    expect(modeOf(elsewhere).toString(8)).toBe('700');
    expect(modes(elsewhere)).toEqual({ 'ringside.db': '600' });
  });
});

describe('an existing folder and database', () => {
  /** A folder the operator made (0755) holding a database an earlier start created. */
  const existing = () => {
    const dir = join(scratch(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    openDatabase(dir).close();
    return { dir, file: join(dir, 'ringside.db') };
  };

  it('keep the modes the operator gave them, and a database every user may read is named in a warning', async () => {
    const { dir, file } = existing();
    chmodSync(file, 0o640); // open to a backup agent's group: a choice, not a warning
    const grouped = await start(dir);
    expect(exposureWarning(grouped)).toBeUndefined();
    expect(modeOf(dir).toString(8)).toBe('755'); // a folder that was there is left as it is
    await stop(grouped);

    chmodSync(file, 0o644); // as releases before this one created it
    const exposed = await start(dir);
    expect(exposureWarning(exposed)).toMatchObject({ level: 40, msg: expect.stringContaining(`${file} is readable by every user of this machine (mode 0644): it holds every event, agent names and API key hashes; \`chmod 600 ${file}*\``) });
    expect(modeOf(file).toString(8)).toBe('644');
    expect(modeOf(dir).toString(8)).toBe('755');
  });

  it('a database restored over one keeps the mode of the one it replaces', async () => {
    const { dir, file } = existing();
    const backup = join(scratch(), 'b.db');
    expect((await runNode([mainJs, 'backup', '--data', dir, '--to', backup])).status).toBe(0);
    chmodSync(file, 0o640);
    const restore = await runNode([mainJs, 'restore', '--from', backup, '--data', dir, '--force']);
    expect(restore.status, restore.stderr).toBe(0);
    expect(modeOf(file).toString(8)).toBe('640');
  });
});
