// The forwarder's file follower on real files in a temporary directory. Time is driven by hand: tests call
// pollOnce() themselves, or give run() timers they fire; nothing waits for a fixed time.
import { appendFile, copyFile, mkdtemp, open, readdir, rename, rm, stat, truncate, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FatalSendError, FileFollower, FollowError, type FollowerEvent, type FollowerOptions, type LineBatch, type Timers } from '../../server/src/cli/forward/fileFollower';
import { RetryLater } from '../../server/src/cli/forward/retry';
import { readState, StateFileError, writeState, type FollowState } from '../../server/src/cli/forward/stateFile';
import { mapQueueLog } from '../../server/src/integrations/asterisk/queueLog';
import { generateQueueLog } from '../support/queueLogGenerator';

let dir: string;
let path: string;
let statePath: string;
const writers: FileHandle[] = [];
const followers: FileFollower[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ringside-follow-'));
  path = join(dir, 'queue_log');
  statePath = join(dir, 'forward.state');
});

afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
  await Promise.all(writers.splice(0).map((w) => w.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A writer holding the file open in append mode, as Asterisk holds queue_log until it is told to reopen it. */
async function writer(at = path): Promise<(text: string) => Promise<void>> {
  const handle = await open(at, 'a');
  writers.push(handle);
  return async (text) => {
    await handle.write(text);
  };
}

interface Harness {
  follower: FileFollower;
  batches: LineBatch[];
  events: FollowerEvent[];
  lines: () => string[];
}

function follow(options: Partial<FollowerOptions> = {}): Harness {
  const batches: LineBatch[] = [];
  const events: FollowerEvent[] = [];
  const follower = new FileFollower({
    path,
    statePath,
    send: async (batch) => {
      batches.push(batch);
    },
    onEvent: (e) => events.push(e),
    ...options,
  });
  followers.push(follower);
  return { follower, batches, events, lines: () => batches.flatMap((b) => b.lines) };
}

const opened = (events: FollowerEvent[]) => events.filter((e) => e.kind === 'opened').map((e) => (e.kind === 'opened' ? e.reason : ''));

describe('file follower: reading', () => {
  it('delivers complete lines and holds a line split across two writes until its newline arrives', async () => {
    const write = await writer();
    const h = follow();
    await write('1|first\n2|sec');
    await h.follower.pollOnce();
    expect(h.batches.map((b) => b.lines)).toEqual([['1|first']]);
    await h.follower.pollOnce();
    expect(h.batches).toHaveLength(1);
    await write('ond\r\n\n3|third\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|first', '2|second', '3|third']);
    expect(h.batches[1]).toMatchObject({ fromOffset: 8, toOffset: 27 });
    expect((await readState(statePath))?.offset).toBe(27);
  });

  it('splits what is available into batches of at most maxBatchLines', async () => {
    await writeFile(path, Array.from({ length: 7 }, (_, i) => `line ${i + 1}\n`).join(''));
    const h = follow({ maxBatchLines: 3 });
    await h.follower.pollOnce();
    expect(h.batches.map((b) => b.lines.length)).toEqual([3, 3, 1]);
  });

  it('starts after the last complete line when asked to start at the end and there is no state', async () => {
    await writeFile(path, '1|old\n2|old\n3|par');
    const h = follow({ startAt: 'end' });
    await h.follower.pollOnce();
    expect(h.lines()).toEqual([]);
    await appendFile(path, 'tial\n4|new\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['3|partial', '4|new']);
  });

  it('waits for a file that does not exist yet', async () => {
    const h = follow();
    await h.follower.pollOnce();
    await writeFile(path, '1|a\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a']);
  });

  it('stops on a line longer than the batch size rather than cutting it', async () => {
    await writeFile(path, `${'x'.repeat(40)}\n`);
    await expect(follow({ maxBatchBytes: 16 }).follower.pollOnce()).rejects.toThrow(new FollowError(`${path}: a line at byte 0 is longer than 16 bytes`));
  });
});

describe('file follower: a line that is not UTF-8', () => {
  it('sends the lines before it, then stops at it naming its line and column, the offset kept there', async () => {
    await writeFile(path, Buffer.concat([Buffer.from('1|ok\n\n2|caf'), Buffer.from([0xe9]), Buffer.from('|x\n3|after\n')]));
    const h = follow();
    const message = `${path} is not UTF-8: the first bad byte is 0xE9, at line 3, column 6 (byte 12); nothing from this line on is sent, since its text would not be what the file holds: have Asterisk write the queue_log in UTF-8, or correct the line, and start the forwarder again`;
    await expect(h.follower.pollOnce()).rejects.toThrow(new FollowError(message));
    expect(h.lines()).toEqual(['1|ok']);
    expect((await readState(statePath))?.offset).toBe(6);
    // Corrected in place (the same length), the forwarder goes on from that line.
    await writeFile(path, '1|ok\n\n2|cafe|x\n3|after\n');
    const again = follow();
    await again.follower.pollOnce();
    expect(again.lines()).toEqual(['2|cafe|x', '3|after']);
  });
});

describe('file follower: never losing or repeating a line', () => {
  it('saves the offset only after the sender acknowledged, and sends the same lines again after a failure', async () => {
    await writeFile(path, '1|a\n2|b\n');
    let down = true;
    const sent: string[][] = [];
    const h = follow({
      send: async (batch) => {
        sent.push(batch.lines);
        if (down) throw new Error('connection refused');
      },
    });
    await expect(h.follower.pollOnce()).rejects.toThrow('connection refused');
    expect((await readState(statePath))?.offset).toBe(0);
    down = false;
    await h.follower.pollOnce();
    expect(sent).toEqual([
      ['1|a', '2|b'],
      ['1|a', '2|b'],
    ]);
    expect((await readState(statePath))?.offset).toBe(8);
  });

  it('resumes from the state file after a restart and sends only what is new', async () => {
    const write = await writer();
    await write('1|a\n2|b\n3|c\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await write('4|d\n5|e\n');
    const second = follow();
    await second.follower.pollOnce();
    expect(first.lines()).toEqual(['1|a', '2|b', '3|c']);
    expect(second.lines()).toEqual(['4|d', '5|e']);
    expect(opened(second.events)).toEqual(['resumed']);
  });

  it('after a crash between acknowledgement and save, sends that batch again: duplicates map to the same milestones, nothing is lost', async () => {
    const log = generateQueueLog({ seed: 3, calls: 40 });
    await writeFile(path, log.text);
    let writes = 0;
    const crashing = follow({
      maxBatchLines: 25,
      state: {
        read: () => readState(statePath),
        write: async (s) => {
          // The 3rd save is the one after the 2nd batch: the process dies before it reaches the disk.
          if (++writes === 3) throw new Error('killed');
          await writeState(statePath, s);
        },
      },
    });
    await expect(crashing.follower.pollOnce()).rejects.toThrow('killed');
    const restarted = follow({ maxBatchLines: 25 });
    await restarted.follower.pollOnce();
    const delivered = [...crashing.lines(), ...restarted.lines()];
    expect(delivered.length).toBe(log.lines.length + 25);
    expect(restarted.batches[0]?.lines).toEqual(crashing.batches[1]?.lines);
    expect([...new Set(delivered)].sort()).toEqual([...new Set(log.lines)].sort());
    // Posted request by request, the duplicates are the same milestones (same ids, same content) as the file's.
    const posted = [...crashing.batches, ...restarted.batches].flatMap((b) => mapQueueLog(b.lines.join('\n'), 'hq').milestones);
    const whole = new Map(mapQueueLog(log.text, 'hq').milestones.map((m) => [m.id, m]));
    for (const m of posted) expect(m).toEqual(whole.get(m.id));
    expect(new Set(posted.map((m) => m.id))).toEqual(new Set(whole.keys()));
  });

  it('begins again cleanly when starting failed half-way: no line twice, no file left open', async () => {
    await writeFile(path, '1|a\n2|b\n');
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    let failSave = true;
    const h = follow({
      state: {
        read: () => readState(statePath),
        write: async (s) => {
          if (failSave) throw new Error('disk full');
          await writeState(statePath, s);
        },
      },
    });
    await expect(h.follower.pollOnce()).rejects.toThrow('disk full');
    failSave = false;
    await h.follower.pollOnce();
    await h.follower.stop();
    expect(h.lines()).toEqual(['1|a', '2|b']);
    expect(await openFiles()).toBe(before);
  });

  it('numbers each line as the file does, blank lines counted, across batches, a resume from a byte offset and a start at the end', async () => {
    const write = await writer();
    await write('1|a\n\n3|c\n4|d\n');
    const first = follow({ maxBatchLines: 2 });
    await first.follower.pollOnce();
    expect(first.batches.map((b) => b.lineNumbers)).toEqual([[1, 3], [4]]);
    await first.follower.stop();
    await write('\r\n6|f\n7|g\n');
    const resumed = follow();
    await resumed.follower.pollOnce();
    expect(resumed.batches.map((b) => [b.fromOffset > 0, b.lineNumbers])).toEqual([[true, [6, 7]]]);
    await rm(statePath);
    const atEnd = follow({ startAt: 'end' });
    await atEnd.follower.pollOnce();
    await write('8|h\n');
    await atEnd.follower.pollOnce();
    expect(atEnd.batches.map((b) => b.lineNumbers)).toEqual([[8]]);
  });

  it('stops on a state file it cannot write, naming it, where other failures are retried', async () => {
    await writeFile(path, '1|a\n');
    const retries: FollowerEvent[] = [];
    // Were it retried, the first retry ends the run (which then resolves instead of rejecting).
    const h: Harness = follow({ statePath: join(dir, 'no-such-folder', 'state.json'), onEvent: (e) => void (e.kind === 'retrying' && (retries.push(e), h.follower.stop())) });
    await expect(h.follower.run()).rejects.toThrow(new RegExp(`state file ${join(dir, 'no-such-folder', 'state.json')}: cannot be written \\(ENOENT`));
    expect(retries).toEqual([]);
  });

  it('refuses a state file written for another path', async () => {
    await writeFile(path, '1|a\n');
    await writeState(statePath, { version: 1, path: '/var/log/asterisk/other_log', dev: '1', ino: '2', offset: 0, fingerprint: '', fingerprintLength: 0 });
    await expect(follow().follower.pollOnce()).rejects.toThrow(`the state file belongs to /var/log/asterisk/other_log, not ${path}`);
  });
});

describe('file follower: rotation and truncation', () => {
  it('follows a rename rotation mid-stream: drains the old file, even lines written to it after the rename, then reads the new one', async () => {
    const writeOld = await writer();
    await writeOld('1|a\n2|b\n');
    const h = follow();
    await h.follower.pollOnce();
    await writeOld('3|c\n');
    await rename(path, `${path}.1`);
    await writeOld('4|d written before the writer reopened\n');
    const writeNew = await writer();
    await writeNew('5|e\n6|f\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '3|c', '4|d written before the writer reopened']);
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '3|c', '4|d written before the writer reopened', '5|e', '6|f']);
    expect(opened(h.events)).toEqual(['no-state', 'rotated']);
    const state = await readState(statePath);
    expect(state).toMatchObject({ offset: 8, ino: String((await stat(path, { bigint: true })).ino) });
  });

  it('keeps draining the old file while it still grows, and switches once a poll finds it quiet', async () => {
    const writeOld = await writer();
    await writeOld('1|a\n');
    const h = follow();
    await h.follower.pollOnce();
    await rename(path, `${path}.1`);
    await writeFile(path, '9|new\n');
    await h.follower.pollOnce();
    await writeOld('2|late\n');
    await h.follower.pollOnce();
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|late', '9|new']);
  });

  it('drops the unterminated end of a rotated file (nothing can complete it) and says so', async () => {
    const writeOld = await writer();
    await writeOld('1|a\n2|cut of');
    const h = follow();
    await h.follower.pollOnce();
    await rename(path, `${path}.1`);
    await writeFile(path, '3|c\n');
    await h.follower.pollOnce();
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '3|c']);
    expect(h.events).toContainEqual({ kind: 'partial-line-dropped', path: `${path} (rotated)`, bytes: 8 });
  });

  it('after a rotation while stopped, finds the renamed file by its inode and finishes it first', async () => {
    const write = await writer();
    await write('1|a\n2|b\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await write('3|c\n');
    await rename(path, `${path}.1`);
    await writeFile(path, '4|d\n');
    const second = follow();
    await second.follower.pollOnce();
    await second.follower.pollOnce();
    expect(second.lines()).toEqual(['3|c', '4|d']);
    expect(second.events.filter((e) => e.kind === 'opened')).toEqual([
      { kind: 'opened', path: `${path}.1`, offset: 8, reason: 'resumed' },
      { kind: 'opened', path, offset: 0, reason: 'rotated' },
    ]);
  });

  /** logrotate's shift (queue_log.2 → queue_log.3, ….1 → ….2, queue_log → queue_log.1, a new queue_log), the file rotated last written at `writtenAt` (s). */
  async function rotateByRename(writtenAt: number, next: string): Promise<void> {
    for (const n of [2, 1]) await rename(`${path}.${n}`, `${path}.${n + 1}`).catch(() => undefined);
    await rename(path, `${path}.1`);
    await utimes(`${path}.1`, writtenAt, writtenAt);
    await writeFile(path, next);
  }

  it('after two rotations before the first rotated file was finished, reads the one rotated in between before the new one', async () => {
    const write = await writer();
    await write('1|a\n');
    const h = follow();
    await h.follower.pollOnce();
    // The server is down (nothing is read) over two rotations; the first file still got a line before the first.
    await write('2|b\n');
    await rotateByRename(1000, '3|c\n4|d\n');
    await rotateByRename(2000, '5|e\n');
    for (let i = 0; i < 3; i++) await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '3|c', '4|d', '5|e']);
    expect(h.events.filter((e) => e.kind === 'opened')).toEqual([
      { kind: 'opened', path, offset: 0, reason: 'no-state' },
      { kind: 'opened', path: `${path}.1`, offset: 0, reason: 'next-rotated' },
      { kind: 'opened', path, offset: 0, reason: 'rotated' },
    ]);
  });

  /** A follower that sent the file's first line and stopped; a second line written after it. */
  async function stoppedAfterFirstLine(): Promise<void> {
    await writeFile(path, '1|a\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await appendFile(path, '2|b\n');
  }

  it('after three rotations while stopped, finishes the file it was in, then every file rotated since, oldest first', async () => {
    await stoppedAfterFirstLine();
    await rotateByRename(1000, '3|c\n');
    await rotateByRename(2000, '4|d\n');
    await rotateByRename(3000, '5|e\n');
    // An older rotation, last written before the file it was in: not read again. Nor is a compressed rotation (it keeps
    // the time it was last written), nor a state file named after the queue_log: neither begins as a queue_log line.
    await writeFile(`${path}.4`, '0|z\n');
    await utimes(`${path}.4`, 500, 500);
    await writeFile(`${path}.5.gz`, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    await utimes(`${path}.5.gz`, 2500, 2500);
    await writeFile(`${path}.forward-state.json`, '{"version":1}\n');
    const second = follow();
    for (let i = 0; i < 6; i++) await second.follower.pollOnce();
    expect(second.lines()).toEqual(['2|b', '3|c', '4|d', '5|e']);
    expect(opened(second.events)).toEqual(['resumed', 'next-rotated', 'next-rotated', 'rotated']);
  });

  it('reads each rotated file once when two were last written at the same time (a coarse file system clock)', async () => {
    await stoppedAfterFirstLine();
    // Both rotated files were last written in the same second: on a file system that keeps whole seconds (or within
    // one tick of the kernel's clock) their times are equal.
    await rotateByRename(1000, '3|c\n');
    await rotateByRename(1000, '4|d\n');
    const second = follow();
    for (let i = 0; i < 8; i++) await second.follower.pollOnce();
    expect(second.lines()).toEqual(['2|b', '3|c', '4|d']);
    expect(opened(second.events)).toEqual(['resumed', 'next-rotated', 'rotated']);
  });

  it('after a rotation while stopped with the old file gone, reads the new file and reports the possible gap', async () => {
    await writeFile(path, '1|a\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await rename(path, `${path}.1`);
    await writeFile(path, '2|b\n');
    await rm(`${path}.1`); // compressed away by logrotate (removed after the new file exists, so its inode is not reused)
    const second = follow();
    await second.follower.pollOnce();
    expect(second.lines()).toEqual(['2|b']);
    expect(opened(second.events)).toEqual(['rotated-file-missing']);
  });

  it('reads a truncated file (copytruncate) again from its start', async () => {
    const write = await writer();
    await write('1|a\n2|b\n3|c\n');
    const h = follow();
    await h.follower.pollOnce();
    await truncate(path, 0);
    await write('4|d\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '3|c', '4|d']);
    expect(opened(h.events)).toEqual(['no-state', 'truncated']);
  });

  it('after copytruncate, first sends the lines the copy holds past the offset (written before the truncation, not yet sent), then the truncated file', async () => {
    const write = await writer();
    await write('1|a\n2|b\n');
    const h = follow();
    await h.follower.pollOnce();
    // Asterisk writes on; logrotate copies the file and truncates it before the follower's next poll.
    await write('3|c\n4|d\n');
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await write('5|e\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '3|c', '4|d', '5|e']);
    expect(h.events.filter((e) => e.kind === 'opened')).toEqual([
      { kind: 'opened', path, offset: 0, reason: 'no-state' },
      { kind: 'opened', path: `${path}.1`, offset: 8, reason: 'copy-of-truncated' },
      { kind: 'opened', path, offset: 0, reason: 'truncated' },
    ]);
    // Truncated again and rewritten past the offset before a poll: the copy is recognised by its first bytes too.
    await write('6|f\n');
    await copyFile(path, `${path}.1`);
    await writeFile(path, '7|g\n8|h\n9|i\n');
    await h.follower.pollOnce();
    expect(h.lines().slice(5)).toEqual(['6|f', '7|g', '8|h', '9|i']);
  });

  it('after copytruncate while stopped, finishes the copy from the saved offset first, also after a crash in the copy', async () => {
    const write = await writer();
    await write('1|a\n2|b\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await write('3|c\n4|d\n');
    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await write('5|e\n');
    // The sender fails after the copy's first line: the state now names the copy, found again by its inode (and left,
    // like a renamed file, once a poll finds it quiet).
    const crashing = follow({ maxBatchLines: 1, send: async (batch) => { if (batch.lines[0] === '4|d') throw new FatalSendError('crash'); crashing.batches.push(batch); } });
    await expect(crashing.follower.pollOnce()).rejects.toThrow('crash');
    await crashing.follower.stop();
    const second = follow();
    await second.follower.pollOnce();
    await second.follower.pollOnce();
    expect([...first.lines(), ...crashing.lines(), ...second.lines()]).toEqual(['1|a', '2|b', '3|c', '4|d', '5|e']);
    expect([opened(crashing.events), opened(second.events)]).toEqual([['copy-of-truncated'], ['resumed', 'rotated']]);
  });

  it('recognises a file truncated and rewritten past the offset between two polls by its first bytes', async () => {
    await writeFile(path, '1|a\n2|b\n');
    const h = follow();
    await h.follower.pollOnce();
    await writeFile(path, '7|x\n8|y\n9|z\n');
    await h.follower.pollOnce();
    expect(h.lines()).toEqual(['1|a', '2|b', '7|x', '8|y', '9|z']);
    expect(opened(h.events)).toEqual(['no-state', 'replaced']);
  });

  it('recognises a file rewritten while stopped, and one cut shorter than the offset', async () => {
    await writeFile(path, '1|a\n2|b\n');
    const first = follow();
    await first.follower.pollOnce();
    await first.follower.stop();
    await writeFile(path, '7|x\n8|y\n9|z\n');
    const second = follow();
    await second.follower.pollOnce();
    await second.follower.stop();
    await writeFile(path, '5|q\n');
    const third = follow();
    await third.follower.pollOnce();
    expect(second.lines()).toEqual(['7|x', '8|y', '9|z']);
    expect(third.lines()).toEqual(['5|q']);
    expect([opened(second.events), opened(third.events)]).toEqual([['replaced'], ['truncated']]);
  });
});

/** Timers fired by the test: run() waits only when the test says the time has come. */
class ManualTimers implements Timers {
  private pending: Array<{ callback: () => void; ms: number }> = [];
  private waiting: Array<() => void> = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { callback, ms };
    this.pending.push(timer);
    for (const wake of this.waiting.splice(0)) wake();
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t !== handle);
  }

  /** The delay of the next timer run() sets (waits until it sets one). */
  async next(): Promise<number> {
    while (this.pending.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.pending[0]!.ms;
  }

  fire(): void {
    this.pending.shift()!.callback();
  }
}

describe('file follower: run loop', () => {
  it('retries with doubling waits while the receiver is down, delivers once it is back, and polls on', async () => {
    await writeFile(path, '1|a\n2|b\n');
    const timers = new ManualTimers();
    let failures = 3;
    const delivered: string[] = [];
    const h = follow({
      timers,
      pollIntervalMs: 1000,
      retry: { initialMs: 100, maxMs: 350 },
      send: async (batch) => {
        if (failures-- > 0) throw new Error('502 Bad Gateway');
        delivered.push(...batch.lines);
      },
    });
    const running = h.follower.run();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      delays.push(await timers.next());
      timers.fire();
    }
    delays.push(await timers.next());
    expect(delays).toEqual([100, 200, 350, 1000]);
    expect(delivered).toEqual(['1|a', '2|b']);
    await appendFile(path, '3|c\n');
    timers.fire();
    await timers.next();
    expect(delivered).toEqual(['1|a', '2|b', '3|c']);
    expect(h.events.filter((e) => e.kind === 'retrying')).toHaveLength(3);
    await h.follower.stop();
    await expect(running).resolves.toBeUndefined();
  });

  it("waits as long as a rate-limited receiver asked before sending again, then goes back to its own backoff", async () => {
    await writeFile(path, '1|a\n');
    const timers = new ManualTimers();
    const refusals = [new RetryLater('429', 2500), new Error('502 Bad Gateway')];
    const h = follow({
      timers,
      pollIntervalMs: 1000,
      retry: { initialMs: 100, maxMs: 10_000 },
      send: async () => {
        const refusal = refusals.shift();
        if (refusal) throw refusal;
      },
    });
    const running = h.follower.run();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      delays.push(await timers.next());
      timers.fire();
    }
    // 2,500 ms asked for the first failure (its own would be 100), then 200 for the second, then the poll.
    expect(delays).toEqual([2500, 200, 1000]);
    await h.follower.stop();
    await expect(running).resolves.toBeUndefined();
  });

  it('stops with the error when the receiver refuses the lines for good, keeping them unacknowledged', async () => {
    await writeFile(path, '1|a\n');
    const h = follow({
      timers: new ManualTimers(),
      send: async () => {
        throw new FatalSendError('400: line 1: has 2 fields');
      },
    });
    await expect(h.follower.run()).rejects.toThrow(FatalSendError);
    expect((await readState(statePath))?.offset).toBe(0);
  });
});

describe('state file', () => {
  const state: FollowState = { version: 1, path: '/var/log/asterisk/queue_log', dev: '2049', ino: '18446744073709551615', offset: 1234, fingerprint: 'ab'.repeat(32), fingerprintLength: 1024 };

  it('round-trips, inode numbers beyond 2^53 included, and leaves no temporary file behind', async () => {
    await writeState(statePath, state);
    await writeState(statePath, { ...state, offset: 5678 });
    expect(await readState(statePath)).toEqual({ ...state, offset: 5678 });
    expect(await readdir(dir)).toEqual(['forward.state']);
  });

  it('reads a missing state as none, and refuses one it cannot read instead of starting over', async () => {
    expect(await readState(statePath)).toBeNull();
    await writeFile(statePath, '{"version":1,"path":"/x"');
    // Saying what is safe to do: starting over sends lines again, which the server recognises.
    const startOver = '; it says which lines were sent, and the forwarder will not guess: remove it (or move it away) and start the forwarder again to send the file again from its first line (lines sent before are duplicates the server recognises and stores once), or with --start-at end to send only lines written from then on';
    await expect(readState(statePath)).rejects.toThrow(new StateFileError(statePath, `is not JSON${startOver}`));
    await writeFile(statePath, JSON.stringify({ ...state, offset: -1 }));
    await expect(readState(statePath)).rejects.toThrow(new StateFileError(statePath, `lacks path, dev, ino, offset or fingerprint${startOver}`));
  });
});
