// When the MQTT forwarder dates a milestone sent without `at`: as its bytes arrive on the connection, cut into MQTT
// packets however the network splits them, not when mqtt.js hands the message over (after the one before it was
// stored); a copy the broker sends again keeps the first copy's time. Time is set by hand (fake Date).
import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { noteArrivals, Receipts } from '../../server/src/cli/forward/mqttReceipts';

beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
afterEach(() => vi.useRealTimers());

/** An MQTT 3.1.1 PUBLISH at QoS 1, as the broker writes it (remaining length as a variable-length integer). */
function publishBytes(messageId: number | undefined, topic: string, payload: string, dup = false): Buffer {
  // QoS 0 (no messageId): no packet id, and the QoS bits 0.
  const id = messageId === undefined ? [] : [messageId >> 8, messageId & 0xff];
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), Buffer.from(topic), Buffer.from(id), Buffer.from(payload)]);
  const length: number[] = [];
  for (let rest = body.length; ; ) {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    length.push(rest > 0 ? byte | 0x80 : byte);
    if (rest === 0) break;
  }
  return Buffer.concat([Buffer.from([(messageId === undefined ? 0x30 : 0x32) | (dup ? 0x08 : 0), ...length]), body]);
}

const packet = (messageId: number, topic: string, payload: string, dup = false) => ({ cmd: 'publish', messageId, topic, payload: Buffer.from(payload), dup, qos: 1, retain: false }) as IPublishPacket;

/** A client whose connection is a bare emitter: `connect()` sends the CONNECT, `receive` is the broker writing. */
function fakeClient(): { client: MqttClient; connect: () => void; receive: (bytes: Buffer) => void } {
  const client = new EventEmitter() as unknown as MqttClient & EventEmitter;
  return {
    client,
    connect: () => {
      (client as { stream: unknown }).stream = new EventEmitter();
      client.emit('packetsend', { cmd: 'connect' });
    },
    receive: (bytes) => (client.stream as unknown as EventEmitter).emit('data', bytes),
  };
}

const datedBy = async (receipts: Receipts, p: IPublishPacket) => {
  let at: Date | undefined;
  await receipts.deliver(p, async (receivedAt) => void (at = receivedAt));
  return at!.toISOString();
};

describe('mqtt receipts', () => {
  it('dates each message when its bytes arrived, however they were split, not when it is handed over', async () => {
    const receipts = new Receipts();
    const { client, connect, receive } = fakeClient();
    noteArrivals(client, receipts);
    connect();
    const long = JSON.stringify({ caseId: 'v2', milestone: 'greeted', note: 'x'.repeat(200) }); // a 2-byte remaining length
    const first = publishBytes(1, 'doors/north', '{"caseId":"v1","milestone":"arrived"}');
    const bytes = Buffer.concat([first, publishBytes(2, 'doors/north', long)]);
    // The first byte by byte, then the start of the second (its remaining length cut in two), the rest 5 s later.
    vi.setSystemTime(new Date('2026-06-01T09:00:00Z'));
    for (const byte of bytes.subarray(0, first.length + 2)) receive(Buffer.from([byte]));
    vi.setSystemTime(new Date('2026-06-01T09:00:05Z'));
    receive(bytes.subarray(first.length + 2));
    // Handed over a minute later, once the server is back.
    vi.setSystemTime(new Date('2026-06-01T09:01:00Z'));
    expect(await datedBy(receipts, packet(1, 'doors/north', '{"caseId":"v1","milestone":"arrived"}'))).toBe('2026-06-01T09:00:00.000Z');
    expect(await datedBy(receipts, packet(2, 'doors/north', long))).toBe('2026-06-01T09:00:05.000Z');
    // A message whose arrival was not seen is dated when handed over.
    expect(await datedBy(receipts, packet(3, 'doors/north', '{}'))).toBe('2026-06-01T09:01:00.000Z');
  });

  it('keeps the first copy\'s time for a copy sent again on the next connection; a new message with the same packet id is new', async () => {
    const receipts = new Receipts();
    const { client, connect, receive } = fakeClient();
    noteArrivals(client, receipts);
    const message = '{"caseId":"v3","milestone":"arrived"}';
    connect();
    vi.setSystemTime(new Date('2026-06-01T09:00:00Z'));
    receive(publishBytes(7, 'doors/south', message));
    // The connection is lost before the message was handed over; the broker sends it again on the next one.
    connect();
    vi.setSystemTime(new Date('2026-06-01T09:02:00Z'));
    receive(publishBytes(7, 'doors/south', message, true));
    expect(await datedBy(receipts, packet(7, 'doors/south', message, true))).toBe('2026-06-01T09:00:00.000Z');
    // Handed over before, and sent again after its acknowledgement was lost: the time it was dated with.
    vi.setSystemTime(new Date('2026-06-01T09:03:00Z'));
    receive(publishBytes(7, 'doors/south', message, true));
    expect(await datedBy(receipts, packet(7, 'doors/south', message, true))).toBe('2026-06-01T09:00:00.000Z');
    // The broker reuses the packet id for a new message with the same text: dated when it arrived.
    vi.setSystemTime(new Date('2026-06-01T10:00:00Z'));
    receive(publishBytes(7, 'doors/south', message));
    expect(await datedBy(receipts, packet(7, 'doors/south', message))).toBe('2026-06-01T10:00:00.000Z');
  });

  it('dates QoS 0 messages (no packet id) when they arrived too, in the order they came; those of a lost connection are forgotten', async () => {
    const receipts = new Receipts();
    const { client, connect, receive } = fakeClient();
    noteArrivals(client, receipts);
    const same = '{"caseId":"v5","milestone":"ping"}';
    const qos0 = (payload: string) => ({ cmd: 'publish', topic: 'doors/east', payload: Buffer.from(payload), dup: false, qos: 0, retain: false }) as IPublishPacket;
    connect();
    vi.setSystemTime(new Date('2026-06-01T09:00:00Z'));
    receive(publishBytes(undefined, 'doors/east', '{"caseId":"v4","milestone":"arrived"}'));
    receive(publishBytes(undefined, 'doors/east', same));
    vi.setSystemTime(new Date('2026-06-01T09:00:05Z'));
    receive(publishBytes(undefined, 'doors/east', '{"caseId":"v4","milestone":"greeted"}'));
    receive(publishBytes(undefined, 'doors/east', same));
    // Handed over a minute later, one after the other, once the server is back.
    vi.setSystemTime(new Date('2026-06-01T09:01:00Z'));
    expect(await datedBy(receipts, qos0('{"caseId":"v4","milestone":"arrived"}'))).toBe('2026-06-01T09:00:00.000Z');
    expect(await datedBy(receipts, qos0(same))).toBe('2026-06-01T09:00:00.000Z');
    expect(await datedBy(receipts, qos0('{"caseId":"v4","milestone":"greeted"}'))).toBe('2026-06-01T09:00:05.000Z');
    // The second of the same text arrived on a connection since lost, never handed over: not the next one's time.
    connect();
    vi.setSystemTime(new Date('2026-06-01T09:02:00Z'));
    expect(await datedBy(receipts, qos0(same))).toBe('2026-06-01T09:02:00.000Z');
  });
});
