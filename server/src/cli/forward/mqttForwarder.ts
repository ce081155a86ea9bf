// `forward mqtt`: subscribes to a broker with QoS 1 and posts each message (mqttTopic.ts) to
// POST /api/v1/milestones. A message is acknowledged to the broker only once the server stored it (or refused
// it for good: a refusal of the message itself), and the session is persistent (a fixed client id, clean: false),
// so messages published while the forwarder or the server is down are delivered later rather than lost; a
// redelivered message is a duplicate the server recognises. A refusal of the forwarder's setup (setupRefusal: the key, its scope, the --server address)
// would refuse every message after it too: the forwarder stops without acknowledging it, leaving it and the
// backlog with the broker for the next start.
import { createHash } from 'node:crypto';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { BUILT_IN_EVENT_TYPES } from '../../protocol/builtInEventTypes';
import { didYouMean } from '../../protocol/nearMiss';
import { redactedUrl } from '../../domain/redactedUrl';
import { UsageError, type Io, type Values } from '../usage';
import { parseTopic, milestonesBody, type TopicPattern } from './mqttTopic';
import { apiUrl, forwarderKey, getFromRingside, postToRingside, serverUrl, setupRefusal, siteOption } from './ringsideApi';
import { retryDelay } from './retry';
import { stopForwarderOnSignals } from './stopSignals';
import { noteArrivals, Receipts } from './mqttReceipts';

const RETRY = { initialMs: 1000, maxMs: 60_000 };

function brokerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--broker must be the broker's address (mqtt://host:1883), got "${text}"`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// address, got "${text}"`);
  return text;
}

/** How long the one look at the server's event types may take before the forwarder starts without it. */
const EVENT_TYPES_TIMEOUT_MS = 5000;

/**
 * --type, checked before the first message rather than refused by the server with every one. A built-in is known
 * here. Any other id may be a type of the server's standards file or API, so the server is asked once
 * (GET /event-types); the usual forwarder key (scope ingest) may not read it, and the server may be down when the
 * forwarder starts, so without that list an id one slip from a built-in (`vist`) is taken for the slip and refused,
 * and any other id is left to the server to check with each message.
 */
async function eventTypeOption(values: Values, server: URL, key: string, io: Io): Promise<string | undefined> {
  const type = values.type as string | undefined;
  const builtIns = BUILT_IN_EVENT_TYPES.map((t) => t.id);
  if (type === undefined || builtIns.includes(type)) return type;
  const listed = await getFromRingside(apiUrl(server, '/event-types'), key, EVENT_TYPES_TIMEOUT_MS);
  const ids = listed.ok ? (listed.body as { eventTypes?: { id?: unknown }[] }).eventTypes?.map((t) => t.id).filter((id) => typeof id === 'string') : undefined;
  if (ids !== undefined) {
    if (ids.includes(type)) return type;
    throw new UsageError(`--type "${type}" is not an event type of this server (known: ${ids.join(', ')})${didYouMean(type, ids)}`);
  }
  const why = listed.ok ? 'its answer had no eventTypes' : listed.reason;
  const meant = didYouMean(type, builtIns);
  if (meant !== '') {
    throw new UsageError(`--type "${type}" is not a built-in event type (${builtIns.join(', ')})${meant}, and the server's own types could not be listed to find it there (GET /event-types: ${why}); a custom type of that name can be named in each message's "type" instead`);
  }
  io.err(`--type "${type}" is not a built-in event type (${builtIns.join(', ')}) and the server's own types could not be listed (GET /event-types: ${why}): the server checks it with each message\n`);
  return type;
}

interface Forwarding {
  pattern: TopicPattern;
  target: URL;
  key: string;
  site?: string;
  type?: string;
  io: Io;
  stopped: () => boolean;
  /** Waits `ms`, or less if the forwarder is stopping. */
  pause: (ms: number) => Promise<void>;
}

export async function forwardMqtt(values: Values, io: Io): Promise<number> {
  const pattern = parseTopic(values.topic as string);
  if (typeof pattern === 'string') throw new UsageError(pattern);
  const broker = brokerUrl(values.broker as string);
  const target = apiUrl(serverUrl(values), '/milestones');
  const key = forwarderKey(values);
  const site = siteOption(values);
  const type = await eventTypeOption(values, serverUrl(values), key, io);
  // A stable id: the broker keeps the session (the subscription and unacknowledged messages) across restarts.
  const clientId = (values['client-id'] as string | undefined) ?? `ringside-${createHash('sha256').update(`${broker} ${pattern.filter} ${target.href}`).digest('hex').slice(0, 16)}`;
  let stopping = false;
  let wake = () => {};
  let stopFor = (_why: string) => {};
  const f: Forwarding = {
    pattern, target, key, io,
    ...(site !== undefined ? { site } : {}),
    ...(type !== undefined ? { type } : {}),
    stopped: () => stopping,
    pause: (ms) => new Promise((r) => { const t = setTimeout(r, ms); wake = () => { clearTimeout(t); r(); }; }),
  };
  // MQTT 3.1.1 (mqtt.js's default, said here since mqttReceipts.ts reads its packets); connected once its arrivals
  // are noted, since the first CONNECT is sent as the connection is made.
  const client = connect(broker, { clientId, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000, protocolVersion: 4, manualConnect: true });
  acknowledgeWhenDelivered(client, f, (why) => stopFor(why));
  client.connect();
  io.err(`forwarding ${pattern.filter} on ${redacted(broker)} to ${target.href} (client id ${clientId})\n`);
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      removeHandlers();
      // Forced: a message still being delivered stays unacknowledged, and the broker sends it again next time.
      client.end(true, () => resolve(code));
    };
    stopFor = (why) => {
      if (stopping) return;
      io.err(`ringside forward: stopped: ${why}; the message and those after it stay with the broker until the forwarder starts again\n`);
      stopping = true;
      wake();
      finish(1);
    };
    const removeHandlers = stopForwarderOnSignals((signal) => {
      io.err(`${signal}: stopping\n`);
      stopping = true;
      wake();
      finish(0);
    });
    client.on('connect', (connack) => {
      io.err(`connected to ${redacted(broker)}${connack.sessionPresent ? ' (session resumed)' : ''}\n`);
      client.subscribe(pattern.filter, { qos: 1 }, (error, granted) => {
        const refused = error ?? (granted?.some((g) => g.qos !== 1 && g.qos !== 0) ? new Error(`the broker refused the subscription to ${pattern.filter}`) : null);
        if (refused) {
          io.err(`ringside forward: ${refused.message}\n`);
          return finish(1);
        }
        io.err(`subscribed to ${pattern.filter} (QoS ${granted?.[0]?.qos ?? 1})\n`);
      });
    });
    client.on('offline', () => io.err(`${redacted(broker)} is unreachable; reconnecting\n`));
    client.on('error', (error) => io.err(`mqtt: ${error.message}\n`));
  });
}

/**
 * Posts each message, acknowledging it to the broker once stored. Not acknowledged (done not called) when stopping:
 * the broker sends the message again at the next start. Nor when the connection it came on was lost meanwhile (while
 * a message is retried, mqtt.js reads nothing else, the broker's keepalive answer included, so a server down for a
 * minute ends the connection): the broker sends it again on the next one, and that copy, recognised (Receipts),
 * waits for this delivery and is acknowledged instead.
 */
function acknowledgeWhenDelivered(client: MqttClient, f: Forwarding, stopFor: (why: string) => void): void {
  const receipts = new Receipts();
  noteArrivals(client, receipts);
  let connectionsLost = 0;
  client.on('close', () => connectionsLost++);
  client.handleMessage = (packet, done) => {
    const connection = connectionsLost;
    void receipts.deliver(packet, (receivedAt) => deliver(f, packet, receivedAt)).then(
      (setup) => (setup !== undefined ? stopFor(setup) : f.stopped() || connection !== connectionsLost ? undefined : done()),
      (e: unknown) => done(e as Error),
    );
  };
}

/**
 * Posts one message until the server stored or refused it; returns early only when stopping. Returns why the
 * forwarder must stop when the refusal is of its setup rather than of the message (setupRefusal).
 */
async function deliver(f: Forwarding, packet: IPublishPacket, receivedAt: Date): Promise<string | undefined> {
  const topic = packet.topic;
  const body = milestonesBody(f.pattern, topic, Buffer.from(packet.payload), { ...(f.site !== undefined ? { site: f.site } : {}), ...(f.type !== undefined ? { type: f.type } : {}), receivedAt });
  if (typeof body === 'string') {
    f.io.err(`message on ${topic} skipped: ${body}\n`);
    return;
  }
  for (let failures = 1; !f.stopped(); failures++) {
    const outcome = await postToRingside(f.target, f.key, JSON.stringify(body), 'application/json');
    if (outcome.kind === 'delivered') return void f.io.err(`forwarded ${body.milestones.length} milestone(s) from ${topic} (${outcome.status})\n`);
    if (outcome.kind === 'refused') {
      const setup = setupRefusal(outcome.status, outcome.problem, f.target);
      if (setup !== null) return `the server refused the message on ${topic} (${outcome.status}): ${outcome.detail}; ${setup}`;
      // Posting it again cannot help: say why, and go on with the next message.
      return void f.io.err(`message on ${topic} refused by the server (${outcome.status}): ${outcome.detail}\n`);
    }
    const delay = retryDelay(failures, RETRY, outcome.waitMs);
    f.io.err(`not delivered (${outcome.reason}); retrying in ${delay} ms\n`);
    await f.pause(delay);
  }
}

/** The broker's address without a password. */
const redacted = (broker: string): string => redactedUrl(broker, 'MQTT broker');
