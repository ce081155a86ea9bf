// A dashboard fed only by integrations is right. A real server with no demo and no event posted directly gets a
// small fixed input through each adapter: an Asterisk queue_log through the real `forward asterisk-queue-log`
// process, Twilio TaskRouter callbacks with valid signatures, an Amazon Connect Firehose delivery, a custom JSONata
// webhook, MQTT messages through Mosquitto and the real `forward mqtt` process, and a greeter kiosk's milestones
// with its site-limited key. The expected numerator and denominator of every site and standard are counted here
// from the input itself, by the formula's definition (F3: met = answered within T; counted = answered + abandoned),
// and compared with GET /api/v1/compliance. docs/integrations/README.md shows the same figures on the dashboard.
//
// RINGSIDE_KEEP_DATA=DIR keeps the server's data (and its standards file) in DIR for the screenshot script
// (scripts/screenshot-integrations.mjs).
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactRecord, INSTANCE } from '../../support/contactRecords';
import { postJson } from '../clocks/support';
import { watchOutput, type ChildOutput } from '../support/childOutput';
import { startMosquitto } from '../support/mosquitto';
import { buildServer, mainJs, repo } from '../support/cli';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const FROM = '2026-03-02T09:00:00.000Z';
const TO = '2026-03-02T10:00:00.000Z';
const at = (minute: number, second = 0) => T0 + minute * 60_000 + second * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const epoch = (ms: number) => Math.floor(ms / 1000);
const TWILIO_TOKEN = 'abcdefabcdefabcdefabcdefabcdef12';

const CALLS = { id: 'calls-20s', threshold: 20 };
const VISITS = { id: 'visits-30s', threshold: 30 };
const STANDARDS = `
standards:
  - { id: calls-20s, name: Calls answered within 20 s, eventType: call, measure: answerSeconds, threshold: 20, target: 0.8, formula: F3, countOutsideHours: true }
  - { id: visits-30s, name: Visitors greeted within 30 s, eventType: visit, measure: greetSeconds, threshold: 30, target: 0.8, formula: F3, countOutsideHours: true }
sites:
  - { id: pbx, name: PBX (Asterisk), timeZone: UTC }
  - { id: cloud, name: Cloud (Twilio), timeZone: UTC }
  - { id: connect, name: Contact centre (Amazon Connect), timeZone: UTC }
  - { id: web, name: Web callbacks (custom), timeZone: UTC }
  - { id: lobby, name: Lobby (MQTT door), timeZone: UTC }
  - { id: harbour, name: Harbour desk (kiosk), timeZone: UTC }
integrations:
  - id: webcalls
    map: |
      calls.{ "type": "call", "site": "web", "id": "web-" & uid, "occurredAt": start, "outcome": answered ? "answered" : "abandoned", "answerSeconds": wait }
`;

// ---- the input, one list per source ----------------------------------------------------------------------------

/** Asterisk queue_log lines (epoch|callid|queue|agent|event|data…), as app_queue writes them. */
const QUEUE_LOG = [
  `${epoch(at(5))}|1001.1|support|NONE|ENTERQUEUE||+4930111|1`,
  `${epoch(at(5, 12))}|1001.1|support|PJSIP/ann|CONNECT|12|1001.9|1`,
  `${epoch(at(6))}|1002.1|support|NONE|ENTERQUEUE||+4930222|1`,
  `${epoch(at(6, 35))}|1002.1|support|PJSIP/bob|CONNECT|35|1002.9|1`,
  `${epoch(at(7))}|1003.1|support|NONE|ENTERQUEUE||+4930333|2`,
  `${epoch(at(7, 50))}|1003.1|support|NONE|ABANDON|1|2|50`,
  `${epoch(at(8, 12))}|1001.1|support|PJSIP/ann|COMPLETEAGENT|12|180|1`,
  `${epoch(at(9))}|1002.1|support|PJSIP/bob|COMPLETECALLER|35|145|1`,
  `${epoch(at(10))}|1004.1|support|NONE|ENTERQUEUE||+4930444|1`,
  `${epoch(at(10, 8))}|1004.1|support|NONE|ABANDON|1|1|8`,
  `${epoch(at(11))}|1005.1|support|NONE|ENTERQUEUE||+4930555|1`,
  `${epoch(at(11, 5))}|1005.1|support|NONE|EXITWITHKEY|1|1|1|5`,
  `${epoch(at(12))}|1006.1|support|NONE|ENTERQUEUE||+4930666|1`,
  `${epoch(at(12, 20))}|1006.1|support|PJSIP/ann|CONNECT|20|1006.9|1`,
  `${epoch(at(14))}|1006.1|support|PJSIP/ann|TRANSFER|2000|from-internal|20|100|1`,
];

/** Twilio tasks: created at `start`, then accepted or canceled `after` seconds later. */
const TWILIO = [
  { sid: 'WT0000000000000000000000000000001', start: at(20), after: 9, end: 'reservation.accepted' },
  { sid: 'WT0000000000000000000000000000002', start: at(21), after: 31, end: 'reservation.accepted' },
  { sid: 'WT0000000000000000000000000000003', start: at(22), after: 15, end: 'task.canceled' },
  { sid: 'WT0000000000000000000000000000004', start: at(23), after: 18, end: 'reservation.accepted' },
] as const;

/** Amazon Connect contacts: enqueued at `queued`, connected to an agent `connected` seconds later, or gone after `gone`. */
const CONNECT = [
  { id: 'ct-1', queued: at(30, 5), connected: 10 },
  { id: 'ct-2', queued: at(31), connected: 45 },
  { id: 'ct-3', queued: at(32), gone: 12 },
];

/** What the custom webhook's sender posts: its own JSON. */
const WEB_CALLS = [
  { uid: 'u1', start: iso(at(35)), answered: true, wait: 5 },
  { uid: 'u2', start: iso(at(36)), answered: true, wait: 25 },
  { uid: 'u3', start: iso(at(37)), answered: true, wait: 19 },
  { uid: 'u4', start: iso(at(38)), answered: false, wait: 3 },
];

/** Door sensor visits over MQTT: arrived at `start`, then greeted or left `after` seconds later. */
const MQTT_VISITS = [
  { caseId: 'door-1', start: at(40), after: 20, end: 'greeted' },
  { caseId: 'door-2', start: at(41), after: 45, end: 'greeted' },
  { caseId: 'door-3', start: at(42), after: 10, end: 'left' },
];

/** The kiosk's taps: a visitor arrived, greeted `after` seconds later. */
const KIOSK_VISITS = [
  { caseId: 'desk-1', start: at(50), after: 12 },
  { caseId: 'desk-2', start: at(50, 30), after: 40 },
];

// ---- the expected figures, counted from the input by hand ------------------------------------------------------

interface Count {
  site: string;
  standard: string;
  numerator: number;
  denominator: number;
}

/** F3 over (outcome, wait) pairs: met = answered within the threshold; counted = answered + abandoned. */
function f3(site: string, standard: { id: string; threshold: number }, waits: Array<{ served: boolean; seconds: number } | null>): Count {
  const judged = waits.filter((w): w is { served: boolean; seconds: number } => w !== null);
  return { site, standard: standard.id, numerator: judged.filter((w) => w.served && w.seconds <= standard.threshold).length, denominator: judged.length };
}

function expectedCounts(): Count[] {
  const asterisk = QUEUE_LOG.map((l) => l.split('|')).map(([, , , , event, ...data]) => {
    if (event === 'CONNECT') return { served: true, seconds: Number(data[0]) };
    if (event === 'ABANDON') return { served: false, seconds: Number(data[2]) };
    return null; // ENTERQUEUE starts, EXITWITHKEY is neither answered nor abandoned, the ends carry handle times
  });
  return [
    f3('pbx', CALLS, asterisk),
    f3('cloud', CALLS, TWILIO.map((t) => ({ served: t.end === 'reservation.accepted', seconds: t.after }))),
    f3('connect', CALLS, CONNECT.map((c) => ({ served: c.connected !== undefined, seconds: c.connected ?? c.gone }))),
    f3('web', CALLS, WEB_CALLS.map((c) => ({ served: c.answered, seconds: c.wait }))),
    f3('lobby', VISITS, MQTT_VISITS.map((v) => ({ served: v.end === 'greeted', seconds: v.after }))),
    f3('harbour', VISITS, KIOSK_VISITS.map((v) => ({ served: true, seconds: v.after }))),
  ];
}

// ---- the sources -----------------------------------------------------------------------------------------------

const dirs: string[] = [];
const children: ChildProcess[] = [];
const clock = testClock(T0);
let server: TestServer;
let broker: { url: string };
let publisher: MqttClient;
let standardsFile: string;

interface Forwarder extends ChildOutput {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<number | null>;
}

function forward(args: string[], key: string): Forwarder {
  const child = spawn(process.execPath, [mainJs, 'forward', ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: key } });
  children.push(child);
  return { child, exit: new Promise((r) => child.once('exit', (code) => r(code))), ...watchOutput(child) };
}

/** Resolves once `pattern` has matched `count` times in the forwarder's stderr. */
const times = (f: Forwarder, pattern: string, count: number) => f.until('stderr', new RegExp(`(?:[^]*?${pattern}){${count}}`));

async function ingestKey(name: string, sites?: string[]): Promise<string> {
  const res = await postJson(server, '/api/v1/keys', { name, scopes: ['ingest'], ...(sites ? { sites } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.key as string;
}

/** Twilio's documented signature: HMAC-SHA1 over the URL and the sorted parameters, keyed with the auth token. */
function twilioSignature(url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((name) => name + params[name]).join('');
  return createHmac('sha1', TWILIO_TOKEN).update(data).digest('base64');
}

async function twilioCallback(key: string, eventType: string, sid: string, atMs: number, extra: Record<string, string> = {}): Promise<void> {
  const url = `${server.url}/api/v1/integrations/twilio/taskrouter?site=cloud`;
  const params = { EventType: eventType, ResourceType: eventType.startsWith('reservation') ? 'reservation' : 'task', TaskSid: sid, TaskQueueName: 'Support', TaskChannelUniqueName: 'voice', TimestampMs: String(atMs), ...extra };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`twilio:${key}`).toString('base64')}`, 'x-twilio-signature': twilioSignature(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function feedTwilio(): Promise<void> {
  const key = await ingestKey('twilio');
  for (const task of TWILIO) {
    await clock.skipTo(task.start);
    await twilioCallback(key, 'task.created', task.sid, task.start);
    const end = task.start + task.after * 1000;
    await clock.skipTo(end);
    await twilioCallback(key, task.end, task.sid, end, task.end === 'reservation.accepted' ? { ReservationSid: `WR${task.sid.slice(2)}`, WorkerName: 'Cleo' } : {});
  }
}

async function feedMqtt(): Promise<void> {
  const f = forward(['mqtt', '--broker', broker.url, '--topic', 'ringside/+site/door', '--server', server.url, '--type', 'visit', '--client-id', 'only-integrations'], await ingestKey('door sensors'));
  await f.until('stderr', /subscribed to ringside\/\+\/door \(QoS 1\)/);
  let forwarded = 0;
  const publish = async (caseId: string, milestone: string, atMs: number) => {
    await clock.skipTo(atMs);
    await publisher.publishAsync('ringside/lobby/door', JSON.stringify({ caseId, milestone, at: iso(atMs) }), { qos: 1 });
    await times(f, 'forwarded 1 milestone\\(s\\) from ringside/lobby/door \\(201\\)', ++forwarded);
  };
  for (const visit of MQTT_VISITS) {
    await publish(visit.caseId, 'arrived', visit.start);
    await publish(visit.caseId, visit.end, visit.start + visit.after * 1000);
  }
  f.child.kill('SIGTERM');
  expect(await f.exit).toBe(0);
}

/** As the kiosk's sender posts its outbox: POST /milestones with the desk's key, limited to its site. */
async function feedKiosk(): Promise<void> {
  const key = await ingestKey('harbour desk', ['harbour']);
  const tap = async (caseId: string, milestone: string, atMs: number) => {
    await clock.skipTo(atMs);
    const body = { milestones: [{ id: createHash('sha256').update(`${caseId}:${milestone}`).digest('hex').slice(0, 32), type: 'visit', site: 'harbour', caseId, milestone, at: iso(atMs) }] };
    const res = await fetch(`${server.url}/api/v1/milestones`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(body) });
    expect(res.status, await res.text()).toBe(201);
  };
  const arrivals = KIOSK_VISITS.map((v) => ({ atMs: v.start, caseId: v.caseId, milestone: 'arrived' }));
  const greetings = KIOSK_VISITS.map((v) => ({ atMs: v.start + v.after * 1000, caseId: v.caseId, milestone: 'greeted' }));
  for (const t of [...arrivals, ...greetings].sort((a, b) => a.atMs - b.atMs)) await tap(t.caseId, t.milestone, t.atMs);
}

/** The queue_log, written as Asterisk writes it, followed by the real forwarder. */
async function feedAsterisk(dir: string): Promise<void> {
  const log = join(dir, 'queue_log');
  appendFileSync(log, QUEUE_LOG.map((l) => `${l}\n`).join(''));
  const f = forward(['asterisk-queue-log', '--file', log, '--server', server.url, '--site', 'pbx', '--state', join(dir, 'queue_log.state'), '--poll-interval', '20'], await ingestKey('asterisk'));
  await f.until('stderr', new RegExp(`forwarded ${QUEUE_LOG.length} line\\(s\\), bytes 0-\\d+ .*\\(200\\)`));
  f.child.kill('SIGTERM');
  expect(await f.exit).toBe(0);
}

async function feedFirehose(): Promise<void> {
  const key = await ingestKey('firehose');
  const records = CONNECT.map((c) => {
    const enqueued = iso(c.queued);
    const agent = c.connected === undefined ? null : { Username: 'dee', ConnectedToAgentTimestamp: iso(c.queued + c.connected * 1000), AgentInteractionDuration: 120, AfterContactWorkDuration: 10 };
    const dequeued = iso(c.queued + (c.connected ?? c.gone) * 1000);
    const queue = { ARN: `${INSTANCE}/queue/q1`, Name: 'Support', EnqueueTimestamp: enqueued, DequeueTimestamp: dequeued, Duration: c.connected ?? c.gone };
    return contactRecord(c.id, { InitiationTimestamp: iso(c.queued - 3000), ConnectedToSystemTimestamp: iso(c.queued - 2000), DisconnectTimestamp: iso(c.queued + 300_000), LastUpdateTimestamp: iso(c.queued + 360_000), Agent: agent, AgentConnectionAttempts: agent ? 1 : 0, Queue: queue });
  });
  const requestId = '0b7c3c2e-8c1a-4f55-9d1e-2f4a5b6c7d8e';
  const body = { requestId, timestamp: clock.now(), records: records.map((r) => ({ data: Buffer.from(JSON.stringify(r)).toString('base64') })) };
  const res = await fetch(`${server.url}/api/v1/integrations/amazon-connect/firehose?site=connect`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-amz-firehose-request-id': requestId, 'x-amz-firehose-access-key': key }, body: JSON.stringify(body) });
  expect(res.status, await res.text()).toBe(200);
}

async function feedWebhook(): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/integrations/custom/webcalls`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(await ingestKey('web')) }, body: JSON.stringify({ calls: WEB_CALLS }) });
  expect(res.status, await res.text()).toBe(201);
}

// ---- the test --------------------------------------------------------------------------------------------------

const keep = process.env.RINGSIDE_KEEP_DATA;

beforeAll(async () => {
  buildServer();
  const dir = tempDataDir();
  dirs.push(dir);
  standardsFile = join(dir, 'standards.yaml');
  writeFileSync(standardsFile, STANDARDS);
  const mosquitto = await startMosquitto(dir);
  children.push(mosquitto.process);
  broker = mosquitto;
  publisher = await connectAsync(broker.url, { clientId: 'door-sensors' });
  const dataDir = keep ?? tempDataDir();
  if (keep) mkdirSync(keep, { recursive: true });
  else dirs.push(dataDir);
  server = await startTestServer({ clock, dataDir, standardsFile, twilioAuthToken: TWILIO_TOKEN });
  // Only the two standards of this test judge: a fresh install's defaults are retired before anything arrives.
  for (const id of ['call-answer-2-rings', 'visit-greet-30s']) {
    expect((await fetch(`${server.url}/api/v1/standards/${id}`, { method: 'DELETE', headers: adminHeaders(server.apiKey) })).status).toBe(200);
  }
});

afterAll(async () => {
  await publisher?.endAsync();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  if (keep) copyFileSync(standardsFile, join(keep, 'standards.yaml'));
  dirs.forEach(removeDir);
});

describe('a dashboard fed only by integrations', () => {
  it('shows, per site and standard, the figures counted by hand from what each source sent', async () => {
    // The live sources in time order, each at its own instants; then those that send finished records.
    await feedTwilio();
    await feedMqtt();
    await feedKiosk();
    await clock.skipTo(at(59));
    await feedAsterisk(dirs[0]!);
    await feedFirehose();
    await feedWebhook();
    await expect.poll(async () => (await server.testApi.clocksIdle(), (await server.getJson('/api/v1/clocks')).body.clocks)).toEqual([]);

    const expected = expectedCounts();
    expect(expected.map((c) => `${c.site} ${c.numerator}/${c.denominator}`)).toEqual(['pbx 2/5', 'cloud 2/4', 'connect 1/3', 'web 2/4', 'lobby 1/3', 'harbour 1/2']);
    const actual: Count[] = [];
    for (const { site, standard } of expected) {
      const res = await server.getJson(`/api/v1/compliance?site=${site}&standard=${standard}&from=${FROM}&to=${TO}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const figure = (res.body.standards as Array<{ standardId: string; numerator: number; denominator: number }>).find((s) => s.standardId === standard)!;
      actual.push({ site, standard, numerator: figure.numerator, denominator: figure.denominator });
    }
    expect(actual).toEqual(expected);

    // All sites together: each standard's sums over its sites.
    const all = (await server.getJson(`/api/v1/compliance?from=${FROM}&to=${TO}`)).body.standards as Array<{ standardId: string; numerator: number; denominator: number }>;
    for (const standard of [CALLS.id, VISITS.id]) {
      const mine = expected.filter((c) => c.standard === standard);
      expect(all.find((s) => s.standardId === standard)).toMatchObject({ numerator: mine.reduce((n, c) => n + c.numerator, 0), denominator: mine.reduce((n, c) => n + c.denominator, 0) });
    }
  }, 180_000); // two forwarder processes, a broker and twenty clock steps: long on a loaded machine
});
