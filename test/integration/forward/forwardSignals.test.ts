// The forwarders stopped by SIGTERM or SIGINT while they start, as real child processes (the built CLI): each ends
// with exit 0 and one line saying it stopped, having sent nothing, rather than being killed by the signal (exit 143).
// Each signal is sent at an event that proves the forwarder is still starting: the queue_log forwarder reading a
// state file that is a FIFO (a slow mount: the read waits until the test opens its other end), the MQTT forwarder
// waiting for the server's event types (the test's server holds that request without answering).
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { watchOutput, type ChildOutput } from '../support/childOutput';
import { buildServer, mainJs, repo } from '../support/cli';
import { removeDir, tempDataDir } from '../support/testServer';
import { startReceiver, type Receiver } from './receiver';

const KEY = 'rs_forwarder-test-key-0123456789abcdef';
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(buildServer);
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(() => dirs.forEach(removeDir));

interface Forwarder extends ChildOutput {
  child: ChildProcessWithoutNullStreams;
  /** The exit code, or the signal that killed it. */
  exit: Promise<number | NodeJS.Signals | null>;
}

function forward(args: string[]): Forwarder {
  const child = spawn(process.execPath, [mainJs, 'forward', ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: KEY } });
  children.push(child);
  return { child, exit: new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal))), ...watchOutput(child) };
}

const stderrLines = (f: Forwarder) => f.stderr().split('\n').filter((l) => l !== '');

describe('a forwarder stopped while it starts', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.stop());

  it.each(['SIGTERM', 'SIGINT'] as const)('asterisk-queue-log: %s while its state file is read ends it with exit 0 and one line, nothing sent', async (signal) => {
    const dir = tempDataDir();
    dirs.push(dir);
    const state = join(dir, 'forward.state');
    execFileSync('mkfifo', [state]);
    const forwarder = forward(['asterisk-queue-log', '--file', join(dir, 'queue_log'), '--server', receiver.url, '--site', 'hq', '--state', state]);
    // Opening the FIFO's writing end completes when the forwarder has opened it to read its state: it is starting.
    const writer: FileHandle = await open(state, 'w');
    forwarder.child.kill(signal);
    await forwarder.until('stderr', /stopping/);
    // Its read still waits on the FIFO, which would hold up the process's exit: a mount that answers, at last.
    await writer.close();
    expect(await forwarder.exit).toBe(0);
    expect(stderrLines(forwarder)).toEqual([`${signal}: stopping (nothing is being forwarded)`]);
    expect(receiver.requests).toEqual([]);
  });

  it('mqtt: SIGTERM while it asks the server for its event types ends it with exit 0 and one line', async () => {
    let asked: (request: IncomingMessage) => void = () => {};
    const askedFor = new Promise<IncomingMessage>((resolve) => (asked = resolve));
    // A server that takes the request and never answers it: the forwarder waits (up to 5 s) before it connects.
    const server: Server = createServer((req) => asked(req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const forwarder = forward(['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--topic', 'doors/+site', '--server', url, '--type', 'door-visit']);
    expect((await askedFor).url).toBe('/api/v1/event-types');
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe(0);
    expect(stderrLines(forwarder)).toEqual(['SIGTERM: stopping (nothing is being forwarded)']);
  });
});

describe('a forwarder whose stop hangs', () => {
  it('asterisk-queue-log: a second SIGTERM (after the first second) ends it as the signal would, saying so', async () => {
    let posted: () => void = () => {};
    const postedLines = new Promise<void>((resolve) => (posted = resolve));
    // The server answers what the forwarder asks while it starts and holds its first batch without answering: the
    // first signal's stop waits for that batch.
    const server: Server = createServer((req, res) => {
      if (req.method === 'POST') return void posted();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const dir = tempDataDir();
    dirs.push(dir);
    const log = join(dir, 'queue_log');
    writeFileSync(log, '1764979200|1764979200.1|support|NONE|ENTERQUEUE||0123456789|1\n');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const forwarder = forward(['asterisk-queue-log', '--file', log, '--server', url, '--site', 'hq', '--state', join(dir, 'forward.state')]);
    // A forwarder that ended before posting says why, rather than leaving the test to time out.
    await Promise.race([postedLines, forwarder.exit.then((code) => Promise.reject(new Error(`the forwarder ended (${code}) before posting: ${forwarder.stderr()}`)))]);
    forwarder.child.kill('SIGTERM');
    await forwarder.until('stderr', /SIGTERM: stopping after the batch in flight/);
    // After the first second the forwarder says the stop still waits, and the next signal ends it.
    await forwarder.until('stderr', /SIGTERM: still stopping; send it again to stop now/);
    forwarder.child.kill('SIGTERM');
    expect(await forwarder.exit).toBe('SIGTERM');
    expect(stderrLines(forwarder)).toContain('SIGTERM again: stopping now, without finishing what is in flight');
  });
});
