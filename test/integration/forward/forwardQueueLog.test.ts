// `forward asterisk-queue-log` as a real child process (the built CLI) following a queue_log that Asterisk's
// format generator writes, rotated by rename in the middle of calls and by truncation, while the receiving
// server stops and starts again and the forwarder itself is restarted: every line arrives once, in order.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateQueueLog, midCallCuts } from '../../support/queueLogGenerator';
import { watchOutput, type ChildOutput } from '../support/childOutput';
import { buildServer, mainJs, repo } from '../support/cli';
import { testClock } from '../support/testClock';
import { removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import type { ServerOptions } from '../../../server/src/server';
import { startReceiver, type ReceivedRequest, type Receiver } from './receiver';

const KEY = 'rs_forwarder-test-key-0123456789abcdef';
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
const receivers: Receiver[] = [];

beforeAll(buildServer);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});
afterAll(() => dirs.forEach(removeDir));

function tempDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

interface Forwarder extends ChildOutput {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<number | null>;
}

function forward(args: string[], env: Record<string, string> = { RINGSIDE_API_KEY: KEY }): Forwarder {
  const child = spawn(process.execPath, [mainJs, 'forward', ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: '', ...env } });
  children.push(child);
  return { child, exit: new Promise((r) => child.once('exit', (code) => r(code))), ...watchOutput(child) };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const receivedLines = (requests: readonly ReceivedRequest[]) => requests.flatMap((q) => lines(q.body));
const write = (path: string, part: readonly string[]) => appendFileSync(path, part.map((l) => `${l}\n`).join(''));

/** The forwarder never stopped nor was refused, and a SIGTERM ends it with exit 0. */
async function stillRunningStopsCleanly(forwarder: Forwarder): Promise<void> {
  expect(forwarder.child.exitCode).toBeNull();
  expect(forwarder.stderr()).not.toMatch(/refused|stopped/);
  forwarder.child.kill('SIGTERM');
  expect(await forwarder.exit).toBe(0);
}

describe('forward asterisk-queue-log', () => {
  it('delivers every line once, in order, through rename and truncation rotations, a receiver restart and its own restart', async () => {
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    const state = join(dir, 'forward.state');
    const all = generateQueueLog({ seed: 12, calls: 60 }).lines;
    const [cut1, cut2] = midCallCuts(all, 2, 12) as [number, number];
    const half = (from: number, to: number) => from + Math.floor((to - from) / 2);
    const receiver = await startReceiver();
    receivers.push(receiver);
    const args = ['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', state, '--poll-interval', '20'];
    const upTo = (n: number) => receiver.until((r) => receivedLines(r).length >= n);

    write(log, all.slice(0, half(0, cut1)));
    let forwarder = forward(args);
    await upTo(half(0, cut1));
    // Rotation by rename in the middle of calls: Asterisk goes on writing to the renamed file until it reopens.
    renameSync(log, `${log}.1`);
    write(`${log}.1`, all.slice(half(0, cut1), cut1));
    write(log, all.slice(cut1, half(cut1, cut2)));
    await upTo(half(cut1, cut2));

    // The server goes away: the forwarder retries, then is itself restarted while the server is still down.
    await receiver.stop();
    write(log, all.slice(half(cut1, cut2), cut2));
    await forwarder.until('stderr', /retrying in \d+ ms/);
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe(0);
    forwarder = forward(args);
    await forwarder.until('stderr', /following .*queue_log from byte \d+ \(resumed\)/);
    await receiver.start();
    await upTo(cut2);

    // Rotation by truncation (copytruncate), then the rest of the calls.
    truncateSync(log, 0);
    write(log, all.slice(cut2));
    await upTo(all.length);
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe(0);

    expect(receivedLines(receiver.requests)).toEqual(all);
    for (const request of receiver.requests) {
      expect(request.path).toBe('/api/v1/integrations/asterisk/queue-log');
      expect(request.search.get('site')).toBe('hq');
      expect(request.authorization).toBe(`Bearer ${KEY}`);
      expect(request.contentType).toMatch(/^text\/plain/);
    }
    expect(forwarder.stderr()).toMatch(/truncated|replaced/);
  });

  it('loses no line over rotations it did not see: three by rename while it was stopped, one by copytruncate while the receiver was down', async () => {
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    const all = generateQueueLog({ seed: 31, calls: 80 }).lines;
    const [c1, c2, c3, c4, c5] = midCallCuts(all, 5, 31) as [number, number, number, number, number];
    const receiver = await startReceiver();
    receivers.push(receiver);
    const args = ['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', join(dir, 'forward.state'), '--poll-interval', '20'];
    const upTo = (n: number) => receiver.until((r) => receivedLines(r).length >= n);
    // logrotate's daily shift with `create`; each rotated file was last written the day it was rotated.
    const rotate = (day: number) => {
      for (const n of [3, 2, 1]) if (existsSync(`${log}.${n}`)) renameSync(`${log}.${n}`, `${log}.${n + 1}`);
      renameSync(log, `${log}.1`);
      utimesSync(`${log}.1`, day * 86_400, day * 86_400);
    };

    write(log, all.slice(0, c1));
    let forwarder = forward(args);
    await upTo(c1);
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe(0);
    // Stopped (a refusal waiting for someone to look, a weekend) over three rotations.
    write(log, all.slice(c1, c2));
    rotate(1);
    write(log, all.slice(c2, c3));
    rotate(2);
    write(log, all.slice(c3, c4));
    rotate(3);
    write(log, all.slice(c4, c5));
    forwarder = forward(args);
    await upTo(c5);
    const opened = () => forwarder.stderr().split('\n').filter((l) => l.startsWith('following ')).map((l) => /following .*(queue_log\S*) from byte \d+ \(([a-z-]+)/.exec(l)!.slice(1).join(' '));
    expect(opened()).toEqual(['queue_log.3 resumed', 'queue_log.2 next-rotated', 'queue_log.1 next-rotated', 'queue_log rotated']);

    // The receiver goes away while Asterisk writes on; logrotate copies and truncates the file meanwhile.
    await receiver.stop();
    const half = c5 + Math.floor((all.length - c5) / 2);
    write(log, all.slice(c5, half));
    await forwarder.until('stderr', /retrying in \d+ ms/);
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    write(log, all.slice(half));
    await receiver.start();
    await upTo(all.length);
    await stillRunningStopsCleanly(forwarder);
    expect(opened().slice(4)).toEqual(['queue_log.1 copy-of-truncated', 'queue_log truncated']);
    expect(receivedLines(receiver.requests)).toEqual(all);
  });

  it('takes the key from --key-file, and with --on-refused stop stops with the server\'s reasons when it refuses the lines', async () => {
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    writeFileSync(join(dir, 'key'), `${KEY}\n`);
    writeFileSync(log, 'not a queue_log line\n');
    const receiver = await startReceiver(() => 400);
    receivers.push(receiver);
    const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', join(dir, 's'), '--key-file', join(dir, 'key'), '--on-refused', 'stop'], {});
    expect(await forwarder.exit).toBe(1);
    expect(forwarder.stderr()).toMatch(/the server refused 1 line\(s\), bytes 0-21 of .*queue_log \(400\): line 1: is not a queue_log line\n/);
    // A state file that is not one stops it at once rather than being retried or started over.
    writeFileSync(join(dir, 'broken'), 'offset=12');
    const broken = forward(['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', join(dir, 'broken')]);
    expect(await broken.exit).toBe(1);
    expect(broken.stderr()).toMatch(/state file .*broken: is not JSON; .*remove it .* to send the file again from its first line \(lines sent before are duplicates the server recognises/);
  });

  it('counts every problem the server found, beyond the ten it prints and the fifty the server lists', async () => {
    const server = await startTestServer();
    dirs.push(server.dataDir);
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    writeFileSync(log, Array.from({ length: 60 }, (_, i) => `bad line ${i + 1}\n`).join(''));
    try {
      const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--on-refused', 'stop'], { RINGSIDE_API_KEY: server.apiKey });
      expect(await forwarder.exit).toBe(1);
      const out = forwarder.stderr();
      expect(out).toMatch(/the server refused 60 line\(s\), .*\(400\): line 1: .*; and 50 more\n/);
      expect(out).toContain('; line 10: ');
      expect(out).not.toContain('; line 11: ');
    } finally {
      await server.close();
    }
  });

  it('names the file\'s line, not the batch\'s, when the server refuses one, also after resuming from a byte offset, and gives each reason once', async () => {
    const T = 1_772_438_400;
    const server = await startTestServer();
    dirs.push(server.dataDir);
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    const args = ['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--poll-interval', '20', '--on-refused', 'stop'];
    try {
      writeFileSync(log, `${T}|1772438400.1|support|NONE|ENTERQUEUE||+4930111|1\n\n${T + 3}|1772438400.1|support|PJSIP/1001|CONNECT|3|1772438403.2|1\n`);
      let forwarder = forward(args, { RINGSIDE_API_KEY: server.apiKey });
      await forwarder.until('stderr', /forwarded 2 line\(s\), bytes 0-\d+ .*\(200\)/);
      forwarder.child.kill('SIGTERM');
      expect(await forwarder.exit).toBe(0);
      // Lines 4 to 6 of the file are lines 1 to 3 of the batch posted after the restart.
      write(log, [`${T + 10}|1772438410.3|support|NONE|ENTERQUEUE||+4930222|1`, '', `${T + 12}|1772438410.3|support|PJSIP/1002|CONNECT|soon|1772438412.4|1`]);
      forwarder = forward(args, { RINGSIDE_API_KEY: server.apiKey });
      expect(await forwarder.exit).toBe(1);
      const out = forwarder.stderr();
      expect(out).toMatch(/following .*queue_log from byte \d+ \(resumed\)/);
      expect(out).toMatch(/the server refused 2 line\(s\), bytes \d+-\d+ of .*queue_log \(400\): line 6 data1 \(holdtime\): /);
      expect(out).not.toMatch(/line [13] /);
      const reason = /\(400\): line 6 data1 \(holdtime\): ([^;\n]+)/.exec(out)![1]!;
      expect(out.split(reason)).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('stops at once, naming the state file, when it cannot write it: at the start before reading the queue_log, and when a later save fails', async () => {
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    write(log, ['1772438400|1772438400.1|support|NONE|ENTERQUEUE||+4930111|1']);
    const receiver = await startReceiver();
    receivers.push(receiver);
    const missing = join(dir, 'no-such-folder', 'forward.state');
    const atStart = forward(['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', missing]);
    expect(await atStart.exit).toBe(1);
    expect(atStart.stderr()).toContain(`state file ${missing}: cannot be written (ENOENT`);
    expect(atStart.stderr()).not.toMatch(/following|not delivered|retrying/);
    expect(receiver.requests).toHaveLength(0);

    // The state's folder goes away while it runs: the next save fails, and that stops it rather than being retried.
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    const later = forward(['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', join(stateDir, 'forward.state'), '--poll-interval', '20']);
    await later.until('stderr', /forwarded 1 line\(s\)/);
    // The forwarder may write its next temporary state file between rm's listing and its rmdir (ENOTEMPTY): again.
    for (;;) {
      try {
        rmSync(stateDir, { recursive: true });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw error;
      }
    }
    write(log, ['1772438403|1772438400.1|support|PJSIP/1001|CONNECT|3|1772438403.2|1']);
    expect(await later.exit).toBe(1);
    expect(later.stderr()).toMatch(/stopped: state file .*forward\.state: cannot be written \(ENOENT/);
    expect(later.stderr()).not.toMatch(/not delivered|retrying/);
  });

  it('waits for a queue_log it cannot read, saying so rather than "not delivered"', async () => {
    const dir = tempDir();
    const log = join(dir, 'queue_log');
    // A folder where the file should be: opened, but never readable (as root, a mode would not keep it out).
    mkdirSync(log);
    const receiver = await startReceiver();
    receivers.push(receiver);
    const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', receiver.url, '--site', 'hq', '--state', join(dir, 's'), '--poll-interval', '20']);
    await forwarder.until('stderr', /cannot read .*queue_log: EISDIR.*; retrying in \d+ ms/);
    expect(forwarder.stderr()).not.toMatch(/not delivered/);
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe(0);
  });

  it('carries on past an end whose call expired before it arrived (skipped as late) and a wait gone negative (closed unjudged): later lines are stored', async () => {
    const T = 1_772_438_400;
    const clock = testClock(T * 1000 + 1_000);
    const server = await startTestServer({ clock });
    const dir = tempDir();
    dirs.push(server.dataDir);
    const log = join(dir, 'queue_log');
    try {
      write(log, [`${T}|1772438400.1|support|NONE|ENTERQUEUE||+4930111|1`]);
      const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--poll-interval', '20'], { RINGSIDE_API_KEY: server.apiKey });
      await forwarder.until('stderr', /forwarded 1 line\(s\), bytes 0-\d+ .*\(200\)/);
      await server.testApi.clocksIdle();
      expect((await server.getJson('/api/v1/clocks?type=call')).body.clocks).toHaveLength(1);
      // Two hours on, the call's clock expires; its CONNECT is written only then.
      await clock.skipTo((T + 2 * 3600 + 10) * 1000);
      await expect.poll(async () => (await server.testApi.clocksIdle(), (await server.getJson('/api/v1/clocks?type=call')).body.clocks)).toHaveLength(0);
      write(log, [`${T + 7205}|1772438400.1|support|PJSIP/1001|CONNECT|7205|1772445605.2|1`]);
      await forwarder.until('stderr', /\(200\); 1 late end\(s\) skipped, their clocks had expired: 1772438400\.1@support/);
      // A wait gone negative (the PBX's clock stepped back) is taken and named, not counted; the line after it is stored.
      write(log, [`${T + 7204}|1772445600.5|support|PJSIP/1003|CONNECT|-2|1772445604.6|1`, `${T + 7206}|1772445606.3|support|NONE|ENTERQUEUE||+4930222|1`, `${T + 7209}|1772445606.3|support|PJSIP/1002|CONNECT|3|1772445609.4|1`]);
      await forwarder.until('stderr', /\(200\); 1 call\(s\) closed unjudged, their wait went negative \(the PBX's clock stepped back\): 1772445600\.5@support/);
      const stored = async () => ((await server.getJson(`/api/v1/compliance?site=hq&from=${new Date(T * 1000).toISOString()}&to=${new Date((T + 7300) * 1000).toISOString()}`)).body.standards.find((s: any) => s.standardId === 'call-answer-2-rings')?.companions?.considered as number | undefined) ?? 0;
      await expect.poll(stored).toBe(2);
      await stillRunningStopsCleanly(forwarder);
    } finally {
      await server.close();
    }
  });

  it('keeps going past a channel that enters the same queue again, in one batch or split across batches, and sends the calls after it', async () => {
    const N = 1_772_438_400;
    const server = await startTestServer({ clock: testClock(N * 1000) });
    const dir = tempDir();
    dirs.push(server.dataDir);
    const log = join(dir, 'queue_log');
    try {
      // 9000.1 times out of support, hears an announcement and is queued again (its second stay's end in the next batch).
      write(log, [`${N - 50}|9000.1|support|NONE|ENTERQUEUE||555|1`, `${N - 40}|9000.1|support|NONE|EXITWITHTIMEOUT|1|1|10`, `${N - 30}|9000.1|support|NONE|ENTERQUEUE||555|1`]);
      const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--poll-interval', '20'], { RINGSIDE_API_KEY: server.apiKey });
      await forwarder.until('stderr', /forwarded 3 line\(s\), bytes 0-\d+ .*\(200\)/);
      write(log, [`${N - 26}|9000.1|support|PJSIP/a|CONNECT|4|x|1`]);
      await forwarder.until('stderr', /forwarded 1 line\(s\), .*\(200\)/);
      // Transferred back into the queue after the talk: a third stay, and another caller.
      write(log, [`${N - 12}|9000.1|support|PJSIP/a|BLINDTRANSFER|700|default|4|14|1`, `${N - 10}|9000.1|support|NONE|ENTERQUEUE||555|1`, `${N - 5}|9000.2|support|NONE|ENTERQUEUE||556|1`]);
      const openClocks = async () => (await server.testApi.clocksIdle(), (await server.getJson('/api/v1/clocks?type=call')).body.clocks.map((c: { caseId: string }) => c.caseId).sort());
      await expect.poll(openClocks).toEqual([`9000.1@support#${N - 10}`, '9000.2@support']);
      await stillRunningStopsCleanly(forwarder);
    } finally {
      await server.close();
    }
  });

  describe('a line the server refuses', () => {
    const T = 1_772_438_400;
    // Two answered calls with a malformed ENTERQUEUE between them (its epoch is not a number), then a third call.
    const firstCall = [`${T}|1772438400.1|support|NONE|ENTERQUEUE||+4930111|1`, `${T + 3}|1772438400.1|support|PJSIP/1001|CONNECT|3|1772438403.2|1`];
    const bad = `soon|1772438404.9|support|NONE|ENTERQUEUE||+4930999|1`;
    // A malformed end of a stay (its waittime is not a number).
    const badEnd = `${T + 4}|1772438390.9|support|NONE|ABANDON|1|1|soon`;
    const secondCall = [`${T + 5}|1772438405.3|support|NONE|ENTERQUEUE||+4930222|1`, `${T + 9}|1772438405.3|support|PJSIP/1002|CONNECT|4|1772438409.4|1`];
    const thirdCall = [`${T + 20}|1772438420.5|support|NONE|ENTERQUEUE||+4930333|1`, `${T + 22}|1772438420.5|support|PJSIP/1003|CONNECT|2|1772438422.6|1`];
    const firstCallBytes = Buffer.byteLength(firstCall.map((l) => `${l}\n`).join(''));
    const rejectsOf = (path: string) => lines(readFileSync(path, 'utf8')).map((l) => JSON.parse(l) as Record<string, unknown>);

    async function withServer(test: (server: TestServer, dir: string, considered: () => Promise<number>) => Promise<void>, options: Partial<ServerOptions> = {}): Promise<void> {
      const server = await startTestServer({ clock: testClock((T + 30) * 1000), ...options });
      dirs.push(server.dataDir);
      const considered = async () => ((await server.getJson(`/api/v1/compliance?site=hq&from=${new Date(T * 1000).toISOString()}&to=${new Date((T + 60) * 1000).toISOString()}`)).body.standards?.find((s: any) => s.standardId === 'call-answer-2-rings')?.companions?.considered as number | undefined) ?? 0;
      try {
        await test(server, tempDir(), considered);
      } finally {
        await server.close();
      }
    }

    /** The forwarder's exit code, or 'went on' when it set lines aside or forwarded some instead of stopping. */
    const stopsOrGoesOn = (forwarder: Forwarder) => Promise.race([forwarder.exit, forwarder.until('stderr', /^(set aside|forwarded) /m).then(() => 'went on')]);

    it('is set aside in the rejects file with the server\'s reason; every other line is stored and the forwarder goes on following', () =>
      withServer(async (server, dir, considered) => {
        const log = join(dir, 'queue_log');
        write(log, [...firstCall, bad, ...secondCall]);
        const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 'fw.state.json'), '--poll-interval', '20'], { RINGSIDE_API_KEY: server.apiKey });
        const rejects = join(dir, 'fw.rejected.ndjson');
        await forwarder.until('stderr', /forwarded 4 line\(s\), bytes 0-\d+ of .*queue_log \(200\)/);
        expect(forwarder.stderr()).toMatch(new RegExp(`set aside 1 line\\(s\\) of .*queue_log the server refused \\(400\\) in ${rejects.replace(/[.]/g, '\\.')}: line 3 epoch: [^\\n]+\\n`));
        // The ENTERQUEUE of a stay whose end the file does not have yet: that end, with Asterisk's own wait, closes it.
        expect(rejectsOf(rejects)).toEqual([expect.objectContaining({ file: log, line: 3, offset: firstCallBytes, site: 'hq', status: 400, stay: '1772438404.9@support', text: bad, reason: expect.stringMatching(/^line 3 epoch: must be whole seconds/) })]);
        await expect.poll(considered).toBe(2);
        // It still follows the file: a call written later is stored too.
        write(log, thirdCall);
        await forwarder.until('stderr', /forwarded 2 line\(s\)/);
        await expect.poll(considered).toBe(3);
        expect(rejectsOf(rejects)).toHaveLength(1);
        expect(forwarder.child.exitCode).toBeNull();
        forwarder.child.kill('SIGTERM');
        expect(await forwarder.exit).toBe(0);
      }));

    it('is set aside once: after a crash between writing the rejects and saving the offset, the restart posts the batch again and sets nothing aside twice', () =>
      withServer(async (server, dir, considered) => {
        const log = join(dir, 'queue_log');
        const state = join(dir, 'fw.state.json');
        const rejects = join(dir, 'refused.ndjson');
        const args = ['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', state, '--rejects', rejects, '--poll-interval', '20'];
        write(log, firstCall);
        let forwarder = forward(args, { RINGSIDE_API_KEY: server.apiKey });
        // The state as it is before the batch with the bad line (saved just after the line saying it was forwarded):
        // what a crash before that batch's save leaves on disk.
        await forwarder.until('stderr', /forwarded \d+ line\(s\)/);
        // Saved right after that line: polled for as long as a loaded machine may take to write it.
        await expect.poll(() => existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).offset, { timeout: 15_000 }).toBe(firstCallBytes);
        const before = readFileSync(state);
        write(log, [bad, ...secondCall]);
        await forwarder.until('stderr', /forwarded 2 line\(s\), bytes [1-9]\d*-/);
        forwarder.child.kill('SIGTERM');
        expect(await forwarder.exit).toBe(0);
        expect(rejectsOf(rejects)).toHaveLength(1);
        await expect.poll(considered).toBe(2);

        writeFileSync(state, before);
        forwarder = forward(args, { RINGSIDE_API_KEY: server.apiKey });
        await forwarder.until('stderr', new RegExp(`following .*queue_log from byte ${firstCallBytes} \\(resumed\\)[^]*forwarded 2 line\\(s\\)`));
        expect(forwarder.stderr()).toMatch(/set aside 1 line\(s\) .*\(400\) in .*refused\.ndjson \(1 already there: this batch was posted before a restart\): line 3 epoch: /);
        expect(rejectsOf(rejects)).toEqual([expect.objectContaining({ line: 3, text: bad })]);
        expect(await considered()).toBe(2);
        forwarder.child.kill('SIGTERM');
        expect(await forwarder.exit).toBe(0);
      }));

    it('still stops a forwarder the server refuses as a whole (401: the key), and with --on-refused stop as before: exit 1, nothing set aside', () =>
      withServer(async (server, dir, considered) => {
        const log = join(dir, 'queue_log');
        write(log, [...firstCall, bad, ...secondCall]);
        const rejects = join(dir, 'refused.ndjson');
        const wrongKey = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 'a'), '--rejects', rejects], { RINGSIDE_API_KEY: KEY });
        expect(await wrongKey.exit).toBe(1);
        expect(wrongKey.stderr()).toMatch(/stopped: the server refused 5 line\(s\), bytes 0-\d+ of .*queue_log \(401\): .*; the API key is not accepted .*: give the forwarder a current key/);
        const stop = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 'b'), '--rejects', rejects, '--on-refused', 'stop'], { RINGSIDE_API_KEY: server.apiKey });
        expect(await stop.exit).toBe(1);
        expect(stop.stderr()).toMatch(/stopped: the server refused 5 line\(s\), bytes 0-\d+ of .*queue_log \(400\): line 3 epoch: /);
        expect(stop.stderr()).not.toMatch(/set aside|forwarded/);
        expect(existsSync(rejects)).toBe(false);
        expect(await considered()).toBe(0);
      }));

    it('stops rather than set aside the end of a stay, which would leave its start open to expire as a breach', () =>
      withServer(async (server, dir, considered) => {
        const log = join(dir, 'queue_log');
        write(log, [...firstCall, badEnd, ...secondCall]);
        const rejects = join(dir, 'refused.ndjson');
        const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--rejects', rejects], { RINGSIDE_API_KEY: server.apiKey });
        expect(await stopsOrGoesOn(forwarder)).toBe(1);
        expect(forwarder.stderr()).toMatch(/stopped: the server refused 5 line\(s\), .*\(400\): line 3 data3 \(waittime\): .*; not set aside: line 3 \(ABANDON\) ends a caller's stay in the queue, .* expire as a breach that never happened/);
        expect(existsSync(rejects)).toBe(false);
        expect(await considered()).toBe(0);
      }));

    it('stops, setting nothing aside, when the server refuses the site: --reject-unknown-sites and --site not configured', () =>
      withServer(
        async (server, dir, considered) => {
          const log = join(dir, 'queue_log');
          write(log, [...firstCall, ...secondCall]);
          const rejects = join(dir, 'aside.ndjson');
          const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--rejects', rejects], { RINGSIDE_API_KEY: server.apiKey });
          expect(await stopsOrGoesOn(forwarder)).toBe(1);
          expect(forwarder.stderr()).toMatch(/stopped: the server refused 4 line\(s\), .*\(400\): line 2 \(aq:[^)]*\): site: unknown site "hq"; this server refuses unknown sites/);
          expect(existsSync(rejects)).toBe(false);
          expect(await considered()).toBe(0);
          // Once the site is configured, started again, it forwards every line.
          const created = await fetch(`${server.url}/api/v1/sites`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify({ id: 'hq', name: 'HQ', timeZone: 'UTC' }) });
          expect(created.status).toBeLessThan(300);
          const again = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--rejects', rejects], { RINGSIDE_API_KEY: server.apiKey });
          await again.until('stderr', /forwarded 4 line\(s\), .*\(200\)/);
          await expect.poll(considered).toBe(2);
          await stillRunningStopsCleanly(again);
        },
        { rejectUnknownSites: true },
      ));

    it('stops, setting nothing aside, when the server\'s clock is behind the PBX\'s: every line is in its future', () =>
      withServer(
        async (server, dir) => {
          const log = join(dir, 'queue_log');
          write(log, [...firstCall, ...secondCall]);
          const rejects = join(dir, 'refused.ndjson');
          const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--rejects', rejects], { RINGSIDE_API_KEY: server.apiKey });
          expect(await stopsOrGoesOn(forwarder)).toBe(1);
          expect(forwarder.stderr()).toMatch(/stopped: the server refused 4 line\(s\), .*\(400\): line 1 \(aq:[^)]*\): at: is more than 5 minutes in the future/);
          expect(existsSync(rejects)).toBe(false);
        },
        { clock: testClock((T - 3600) * 1000) },
      ));

    it('stops, setting nothing aside, when every line posted is refused (not a queue_log)', () =>
      withServer(async (server, dir) => {
        const log = join(dir, 'queue_log');
        writeFileSync(log, 'not a queue_log line\nnor this one\n');
        const rejects = join(dir, 'refused.ndjson');
        const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'hq', '--state', join(dir, 's'), '--rejects', rejects], { RINGSIDE_API_KEY: server.apiKey });
        expect(await stopsOrGoesOn(forwarder)).toBe(1);
        expect(forwarder.stderr()).toMatch(/\(400\): line 1: .*; not set aside: it names every line posted/);
        expect(existsSync(rejects)).toBe(false);
      }));
  });

  it('answers bad usage with exit 2 and what is wrong', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['asterisk-queue-log', '--server', 'http://127.0.0.1:1', '--site', 'hq'], { RINGSIDE_API_KEY: KEY }, /--file PATH is required/],
      [['asterisk-queue-log', '--file', 'x', '--server', 'http://127.0.0.1:1', '--site', 'hq'], {}, /set RINGSIDE_API_KEY or give --key-file FILE/],
      [['asterisk-queue-log', '--file', 'x', '--server', 'ftp://h', '--site', 'hq'], { RINGSIDE_API_KEY: KEY }, /--server must be an http:\/\/ or https:\/\/ address/],
      // The README's $RS is the API's address; the forwarder adds /api/v1 itself.
      [['asterisk-queue-log', '--file', 'x', '--server', 'http://127.0.0.1:4900/api/v1', '--site', 'hq'], { RINGSIDE_API_KEY: KEY }, /--server is the server's base address \(the one the dashboard is at\), not its API's: .*give --server http:\/\/127\.0\.0\.1:4900 \(got "http:\/\/127\.0\.0\.1:4900\/api\/v1"\)/],
      [['asterisk-queue-log', '--file', 'x', '--server', 'https://pbx.example/ringside/api/v1/', '--site', 'hq'], { RINGSIDE_API_KEY: KEY }, /give --server https:\/\/pbx\.example\/ringside \(got/],
      [['asterisk-queue-log', '--file', 'x', '--server', 'http://h', '--site', 'hq', '--topic', 't'], { RINGSIDE_API_KEY: KEY }, /--topic is not an option of forward asterisk-queue-log/],
      [['asterisk-queue-log', '--file', 'x', '--server', 'http://h', '--site', 'hq', '--poll-interval', 'soon'], { RINGSIDE_API_KEY: KEY }, /--poll-interval must be a whole number of milliseconds/],
      [['syslog'], { RINGSIDE_API_KEY: KEY }, /use forward asterisk-queue-log \| forward mqtt/],
    ];
    const forwarders = cases.map(([args, env]) => forward(args, env));
    for (const [i, forwarder] of forwarders.entries()) {
      expect(await forwarder.exit).toBe(2);
      expect(forwarder.stderr()).toMatch(cases[i]![2]);
    }
    // Eight Node processes start at once: on a loaded two-core machine that alone takes tens of seconds.
  }, 90_000);
});
