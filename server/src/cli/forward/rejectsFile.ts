// Where a forwarder sets aside what the server refused, so that one bad item neither blocks the feed behind it nor
// is lost: one JSON object a line (NDJSON), appended and fsynced before the forwarder's position moves past the
// item. Each entry has a key naming the item (where it was in its source); an entry whose key is already in the file
// is not written again, so the batch a crash made the forwarder send again sets nothing aside twice.
import { access, constants, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, unlessMissing } from './stateFile';

export interface RejectEntry {
  /** What names the item across restarts (for a file: device, inode, byte offset and a hash of the line). */
  key: string;
  [field: string]: unknown;
}

export class RejectsFileError extends Error {
  override name = 'RejectsFileError';
  constructor(path: string, problem: string) {
    super(`rejects file ${path}: ${problem}`);
  }
}

export class RejectsFile {
  /** The keys of the entries in the file, read at the first append; null until then. */
  private keys: Set<string> | null = null;
  /** The file ends without a newline (a crash cut its last entry): the next append starts a line first. */
  private cut = false;

  constructor(readonly path: string) {}

  /** Refuses, before anything is read or sent, a rejects file that could not be appended to. */
  async checkWritable(): Promise<void> {
    const exists = (await unlessMissing(access(this.path))) !== null;
    try {
      await access(exists ? this.path : dirname(this.path), constants.W_OK);
    } catch (e) {
      throw new RejectsFileError(this.path, `cannot be written (${(e as Error).message})`);
    }
  }

  /** Appends, durably, the entries not in the file yet; returns how many that was. */
  async append(entries: readonly RejectEntry[]): Promise<number> {
    try {
      const keys = await this.loadKeys();
      const fresh = entries.filter((e) => !keys.has(e.key));
      if (fresh.length === 0) return 0;
      const created = (await unlessMissing(access(this.path))) === null;
      const file = await open(this.path, 'a', 0o600);
      try {
        await file.writeFile(`${this.cut ? '\n' : ''}${fresh.map((e) => `${JSON.stringify(e)}\n`).join('')}`);
        await file.sync();
      } finally {
        await file.close();
      }
      if (created) await syncDirectory(dirname(this.path));
      this.cut = false;
      for (const e of fresh) keys.add(e.key);
      return fresh.length;
    } catch (e) {
      throw e instanceof RejectsFileError ? e : new RejectsFileError(this.path, `cannot be written (${(e as Error).message})`);
    }
  }

  private async loadKeys(): Promise<Set<string>> {
    if (this.keys) return this.keys;
    let text: string | null;
    try {
      text = await unlessMissing(readFile(this.path, 'utf8'));
    } catch (e) {
      throw new RejectsFileError(this.path, `cannot be read (${(e as Error).message})`);
    }
    const keys = new Set<string>();
    for (const line of (text ?? '').split('\n')) {
      try {
        const key = (JSON.parse(line) as { key?: unknown }).key;
        if (typeof key === 'string') keys.add(key);
      } catch {
        // A line cut by a crash, or one an operator edited: its item, if refused again, is set aside again.
      }
    }
    this.cut = text !== null && text !== '' && !text.endsWith('\n');
    this.keys = keys;
    return keys;
  }
}
