// `forward mqtt` as a real child process between a real Mosquitto broker (started here on a free port, from
// Debian's mosquitto package) and a real Ringside server: messages published with QoS 1 become open clocks,
// the topic's `+site` level names the site, bad messages are reported and skipped, and nothing published while
// the server or the forwarder is down is lost.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchOutput, type ChildOutput } from '../support/childOutput';
import { startMosquitto } from '../support/mosquitto';
import { freePort } from '../../vscode/harness/processes';
import { buildServer, mainJs, repo } from '../support/cli';
import { removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';


interface Forwarder extends ChildOutput {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<number | null>;
}

let dir: string;
let broker: { process: ChildProcess; url: string };
let server: TestServer;
let publisher: MqttClient;
const children: ChildProcess[] = [];

function forward(args: string[], key = server.apiKey): Forwarder {
  const child = spawn(process.execPath, [mainJs, 'forward', 'mqtt', ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: key } });
  children.push(child);
  return { child, exit: new Promise((r) => child.once('exit', (code) => r(code))), ...watchOutput(child) };
}

/** Resolves once `pattern` has matched `count` times in the forwarder's stderr. */
const times = (f: Forwarder, pattern: string, count: number) => f.until('stderr', new RegExp(`(?:[^]*?${pattern}){${count}}`));

const visit = (caseId: string, milestone: string, extra: Record<string, unknown> = {}) => JSON.stringify({ caseId, milestone, at: new Date().toISOString(), ...extra });

/** Publishes one QoS 1 message from a client of its own (the test's publisher is on the shared broker). */
async function publishOnce(url: string, topic: string, payload: string): Promise<void> {
  const client = await connectAsync(url);
  await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

async function openClocks(): Promise<{ site: string; caseId: string }[]> {
  const clocks = (await server.getJson('/api/v1/clocks')).body.clocks as { site: string; caseId: string }[];
  return clocks.map((c) => ({ site: c.site, caseId: c.caseId })).sort((a, b) => a.caseId.localeCompare(b.caseId));
}

beforeAll(async () => {
  buildServer();
  dir = tempDataDir();
  broker = await startMosquitto(dir);
  children.push(broker.process);
  server = await startTestServer();
  publisher = await connectAsync(broker.url, { clientId: 'test-publisher' });
});
afterAll(async () => {
  await publisher?.endAsync();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  removeDir(dir);
});

describe('forward mqtt', () => {
  const topic = 'ringside/+site/reception';
  const args = () => ['--broker', broker.url, '--topic', topic, '--server', server.url, '--type', 'visit', '--client-id', 'forwarder-under-test'];

  it('posts each message as milestones with the site from the topic, and reports what it skips or the server refuses', async () => {
    const f = forward(args());
    await f.until('stderr', /subscribed to ringside\/\+\/reception \(QoS 1\)/);
    await publisher.publishAsync('ringside/north/reception', visit('v1', 'arrived'), { qos: 1 });
    await publisher.publishAsync('ringside/south/reception', JSON.stringify([JSON.parse(visit('v2', 'arrived')), JSON.parse(visit('v3', 'arrived', { site: 'annex' }))]), { qos: 1 });
    await publisher.publishAsync('ringside/north/reception', 'door open', { qos: 1 });
    // A Latin-1 badge: posted as UTF-8 with U+FFFD for the é, two different badges would become one case.
    await publisher.publishAsync('ringside/north/reception', Buffer.concat([Buffer.from('{"caseId":"t'), Buffer.from([0xe9]), Buffer.from('","milestone":"arrived"}')]), { qos: 1 });
    await publisher.publishAsync('ringside/north/reception', visit('v4', 'waved'), { qos: 1 });
    await f.until('stderr', /refused by the server \(400\)/);
    expect(f.stderr()).toMatch(/forwarded 1 milestone\(s\) from ringside\/north\/reception \(201\)/);
    expect(f.stderr()).toMatch(/forwarded 2 milestone\(s\) from ringside\/south\/reception \(201\)/);
    expect(f.stderr()).toMatch(/message on ringside\/north\/reception skipped: is not JSON/);
    expect(f.stderr()).toMatch(/message on ringside\/north\/reception skipped: is not UTF-8: the first bad byte is 0xE9, at line 1, column 13 \(byte 13\)/);
    expect(f.stderr()).toMatch(/message on ringside\/north\/reception refused by the server \(400\): .*milestones\.0\.milestone: .*not a milestone of a visit/);
    // The server's detail names the field already: said once.
    expect(f.stderr().match(/not a milestone of a visit/g)).toHaveLength(1);
    expect(await openClocks()).toEqual([
      { site: 'north', caseId: 'v1' },
      { site: 'south', caseId: 'v2' },
      { site: 'annex', caseId: 'v3' },
    ]);
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
  });

  it('loses nothing published while the server is down or the forwarder stopped', async () => {
    let f = forward(args());
    await f.until('stderr', /subscribed to/);
    // The forwarder stopped: the broker keeps its QoS 1 messages for its session until it is back.
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
    await publisher.publishAsync('ringside/north/reception', visit('w1', 'arrived'), { qos: 1 });
    f = forward(args());
    await f.until('stderr', /forwarded 1 milestone\(s\) from ringside\/north\/reception/);
    expect(f.stderr()).toMatch(/session resumed/);
    // The server stopped: the message is retried until it is back on the same port with the same data.
    const { port } = new URL(server.url);
    await server.close();
    await publisher.publishAsync('ringside/north/reception', visit('w2', 'arrived'), { qos: 1 });
    await f.until('stderr', /not delivered \(.*\); retrying in 1000 ms/);
    server = await startTestServer({ dataDir: server.dataDir, port: Number(port) });
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/north/reception', 2);
    expect((await openClocks()).map((c) => c.caseId)).toEqual(expect.arrayContaining(['w1', 'w2']));
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
  });

  it('posts a message the broker sent again after a lost connection once, dated when its first copy was received', async () => {
    // A broker of its own that keeps sessions across its restart, as a production one does.
    const brokerDir = tempDataDir();
    const port = await freePort();
    let own = await startMosquitto(brokerDir, { port, persistence: true });
    children.push(own.process);
    const ownPublisher = await connectAsync(own.url, { clientId: 'redelivery-publisher' });
    const f = forward(['--broker', own.url, '--topic', topic, '--server', server.url, '--type', 'visit', '--client-id', 'forwarder-redelivery']);
    await f.until('stderr', /subscribed to/);
    const { port: serverPort } = new URL(server.url);
    await server.close();
    // A door sensor without a clock: the forwarder dates the milestone when it receives it, and retries it.
    const published = Date.now();
    await ownPublisher.publishAsync('ringside/east/reception', JSON.stringify({ caseId: 'r1', milestone: 'arrived' }), { qos: 1 });
    await f.until('stderr', /retrying in 2000 ms/);
    // The connection is lost while the message is retried (the broker restarted; a keepalive timeout does the same):
    // the broker sends the unacknowledged message again on the next connection.
    await ownPublisher.endAsync(true);
    const restarted = Date.now();
    own.process.kill('SIGTERM');
    await new Promise((r) => own.process.once('exit', r));
    own = await startMosquitto(brokerDir, { port, persistence: true });
    children.push(own.process);
    await times(f, 'subscribed to', 2);
    expect(f.stderr()).toMatch(/session resumed/);
    server = await startTestServer({ dataDir: server.dataDir, port: Number(serverPort) });
    await f.until('stderr', /forwarded 1 milestone\(s\) from ringside\/east\/reception \(201\)/);
    const clock = ((await server.getJson('/api/v1/clocks?site=east')).body.clocks as { caseId: string; startedAt: string }[]).find((c) => c.caseId === 'r1')!;
    expect(Date.parse(clock.startedAt)).toBeGreaterThanOrEqual(published - 1000);
    expect(Date.parse(clock.startedAt)).toBeLessThan(restarted);
    // Acknowledged on the connection it was sent again on: a later message is the next one to arrive, not r1 again.
    await publishOnce(own.url, 'ringside/east/reception', visit('r2', 'arrived'));
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/east/reception', 2);
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
    const again = forward(['--broker', own.url, '--topic', topic, '--server', server.url, '--type', 'visit', '--client-id', 'forwarder-redelivery']);
    await again.until('stderr', /subscribed to/);
    await publishOnce(own.url, 'ringside/east/reception', visit('r3', 'arrived'));
    await again.until('stderr', /forwarded 1 milestone\(s\) from ringside\/east\/reception \(201\)/);
    expect(f.stderr()).not.toMatch(/refused by the server/);
    // r1 left unacknowledged would have come first, again, as a duplicate (200).
    expect(again.stderr().match(/forwarded/g)).toHaveLength(1);
    again.child.kill('SIGTERM');
    expect(await again.exit).toBe(0);
    // It saves its sessions as it stops: removed once it has.
    own.process.kill('SIGTERM');
    await new Promise((r) => own.process.once('exit', r));
    removeDir(brokerDir);
  });

  it('dates a milestone without `at` when the message arrived, not when the server is back to take it', async () => {
    const f = forward([...args(), '--client-id', 'forwarder-arrivals']);
    await f.until('stderr', /subscribed to/);
    const { port } = new URL(server.url);
    await server.close();
    // The server is down: the first message is retried, the ones behind it wait for it.
    await publisher.publishAsync('ringside/west/reception', JSON.stringify({ caseId: 'a0', milestone: 'arrived' }), { qos: 1 });
    await publisher.publishAsync('ringside/west/reception', JSON.stringify({ caseId: 'a1', milestone: 'arrived' }), { qos: 1 });
    const arrived = Date.now();
    await f.until('stderr', /retrying in 2000 ms/);
    const greeted = Date.now();
    await publisher.publishAsync('ringside/west/reception', JSON.stringify({ caseId: 'a1', milestone: 'greeted' }), { qos: 1 });
    await f.until('stderr', /retrying in 4000 ms/);
    server = await startTestServer({ dataDir: server.dataDir, port: Number(port) });
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/west/reception \\(201\\)', 3);
    const event = (await server.getJson(`/api/v1/events/${encodeURIComponent('case:visit:west:a1')}`)).body as { event: { greetSeconds: number } };
    // As the visitor was greeted: between the two publications, not the instant both were posted.
    expect(event.event.greetSeconds).toBeGreaterThanOrEqual((greeted - arrived) / 1000 - 0.5);
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
  });

  it('stops without acknowledging when the server refuses its key, scope or address, leaving the messages with the broker', async () => {
    const key = async (body: Record<string, unknown>) => {
      const created = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify(body) });
      return ((await created.json()) as { key: string }).key;
    };
    const [readOnly, northOnly] = [await key({ name: 'read only', scopes: ['read'] }), await key({ name: 'north door', scopes: ['ingest'], sites: ['north'] })];
    const session = (serverUrl = server.url) => ['--broker', broker.url, '--topic', topic, '--server', serverUrl, '--type', 'visit', '--client-id', 'forwarder-setup'];
    // A first start makes the broker keep a session (the subscription) for this client id.
    let f = forward(session());
    await f.until('stderr', /subscribed to/);
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
    await publisher.publishAsync('ringside/north/reception', visit('k1', 'arrived'), { qos: 1 });
    await publisher.publishAsync('ringside/north/reception', visit('k2', 'arrived'), { qos: 1 });
    const cases: [string, string[], RegExp][] = [
      ['rs_live_not-a-key-of-this-server', session(), /\(401\): .*give the forwarder a current key/],
      [readOnly, session(), /\(403\): .*needs a key with scope "ingest".*give the forwarder a key with the scope the server names/],
      [server.apiKey, session(`${server.url}/ringside`), /\(404\): .*\/ringside\/api\/v1\/milestones is not an endpoint of this server: check --server/],
    ];
    for (const [k, a, fix] of cases) {
      f = forward(a, k);
      await f.until('stderr', /stopped:|refused by the server/);
      expect(f.stderr()).toMatch(new RegExp(`ringside forward: stopped: the server refused the message on ringside/north/reception ${fix.source}.*; the message and those after it stay with the broker`));
      expect(await f.exit).toBe(1);
      expect(f.stderr()).not.toMatch(/forwarded|refused by the server/);
    }
    expect((await openClocks()).map((c) => c.caseId)).not.toContain('k1');
    // A refusal of the message itself (a site this key may not write, named) is still reported and skipped.
    f = forward(session(), northOnly);
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/north/reception', 2);
    await publisher.publishAsync('ringside/south/reception', visit('k3', 'arrived'), { qos: 1 });
    await publisher.publishAsync('ringside/north/reception', visit('k4', 'arrived'), { qos: 1 });
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/north/reception', 3);
    expect(f.stderr()).toMatch(/message on ringside\/south\/reception refused by the server \(403\): this key may write only "north", not "south"/);
    expect((await openClocks()).map((c) => c.caseId)).toEqual(expect.arrayContaining(['k1', 'k2', 'k4']));
    f.child.kill('SIGTERM');
    expect(await f.exit).toBe(0);
  });

  it('refuses an unknown --type at the start, from the server\'s list when the key may read it, else a slip of a built-in', async () => {
    const created = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify({ name: 'door sensors', scopes: ['ingest'] }) });
    const ingestOnly = ((await created.json()) as { key: string }).key;
    const withType = (type: string) => ['--broker', broker.url, '--topic', topic, '--server', server.url, '--type', type];
    const [listed, slip] = [forward(withType('vist')), forward(withType('vist'), ingestOnly)];
    expect(await listed.exit).toBe(2);
    expect(listed.stderr()).toMatch(/--type "vist" is not an event type of this server \(known: call, visit, complaint\) \(did you mean "visit"\?\)/);
    expect(await slip.exit).toBe(2);
    expect(slip.stderr()).toMatch(/--type "vist" is not a built-in event type \(call, visit, complaint\) \(did you mean "visit"\?\), and the server's own types could not be listed .*\(GET \/event-types: 403/);
    for (const f of [listed, slip]) expect(f.stderr()).not.toMatch(/subscribed|forwarding/);
    // Not a slip of a built-in, and no list to look in: the server judges it with each message.
    const unlisted = forward([...withType('callback'), '--client-id', 'unlisted-type'], ingestOnly);
    await unlisted.until('stderr', /subscribed to/);
    expect(unlisted.stderr()).toMatch(/--type "callback" is not a built-in event type .* the server checks it with each message/);
    unlisted.child.kill('SIGTERM');
    expect(await unlisted.exit).toBe(0);
  });

  it('answers a bad topic or broker address with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--broker', broker.url, '--topic', 't', '--server', 'http://127.0.0.1:1/api/v1'], /--server is the server's base address \(the one the dashboard is at\), not its API's: .*give --server http:\/\/127\.0\.0\.1:1 /],
      [['--broker', 'http://x', '--topic', 't', '--server', 'http://127.0.0.1:1'], /--broker must be an mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ address/],
      [['--broker', broker.url, '--topic', 'a/+room/b', '--server', 'http://127.0.0.1:1'], /a level is "\+", "\+site" or a name without "\+", got "\+room"/],
      [['--broker', broker.url, '--topic', 'a/#/b', '--server', 'http://127.0.0.1:1'], /"#" must be the last level/],
      [['--broker', broker.url, '--server', 'http://127.0.0.1:1'], /--topic T is required/],
    ];
    const runs = cases.map(([a]) => forward(a));
    for (const [i, f] of runs.entries()) {
      expect(await f.exit).toBe(2);
      expect(f.stderr()).toMatch(cases[i]![1]);
    }
  });
});
