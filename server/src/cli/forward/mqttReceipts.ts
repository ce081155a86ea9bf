// When the MQTT forwarder received each message, for milestones sent without `at` (dated on receipt), and which
// message is a copy the broker sent again of one received before.
//
// mqtt.js hands the forwarder one message at a time and reads nothing more until it is acknowledged, which is only
// once the server stored it: with the server down, the messages the broker sent meanwhile (up to its in-flight window,
// 20 with Mosquitto) wait, parsed or not, and would be dated when the server is back, an `arrived` and its `greeted`
// sent 5 s apart then a greet of 0 s. So the bytes of each connection are also read here as they arrive (a listener
// of the connection's `data`, added before mqtt.js's own as the CONNECT is sent, before the broker can send
// anything), parsed as MQTT 3.1.1 packets (mqtt-packet, mqtt.js's own parser), and each PUBLISH noted with the time it
// arrived.
import { createHash } from 'node:crypto';
import type { IPublishPacket, MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';

/** How many messages are remembered, for a copy the broker sends again when an acknowledgement was lost. */
const REMEMBERED_MESSAGES = 1000;

type Delivery = Promise<string | undefined>;

/**
 * The QoS 1 messages being delivered and the last ones received, by packet id, topic and payload: a message the broker
 * sends again (flagged `dup`: its acknowledgement was not received, the connection was lost) has the same three. Such
 * a copy is not posted while the first is still being posted (two posts at once, one refused as a conflict), and a
 * milestone without `at` keeps the time its first copy was received: dated again, it would be another milestone,
 * refused (409), or stored with the later time if that copy was posted first. A message not flagged `dup` is new,
 * whatever it has in common with an earlier one (the broker reuses packet ids), and is dated when it arrived.
 */
export class Receipts {
  private readonly inFlight = new Map<string, Delivery>();
  /** When each message arrived on the connection, noted before mqtt.js hands it over; taken by deliver(). */
  private readonly arrivals = new Map<string, Date>();
  /** The time each message delivered was dated with, for a copy sent again. */
  private readonly received = new Map<string, Date>();
  /**
   * When the QoS 0 messages of the current connection arrived, by topic and payload, oldest first: they have no packet
   * id, but mqtt.js hands them over in the order they came, so the first noted of the same text is the one handed over.
   */
  private readonly unnumbered = new Map<string, Date[]>();
  private unnumberedCount = 0;

  /** Notes the time a PUBLISH arrived; a copy sent again keeps the time of the first. */
  arrived(publish: { messageId?: number | undefined; topic: string; payload: Buffer; dup: boolean }): void {
    if (publish.messageId === undefined) return this.arrivedUnnumbered(keyOf(0, publish.topic, publish.payload));
    const key = keyOf(publish.messageId, publish.topic, publish.payload);
    if (!publish.dup || !this.arrivals.has(key)) remember(this.arrivals, key, new Date());
  }

  /**
   * A new connection: QoS 0 messages of the one before that were not handed over are gone with it (the broker keeps
   * none), and their times would date later messages of the same text.
   */
  connected(): void {
    this.unnumbered.clear();
    this.unnumberedCount = 0;
  }

  private arrivedUnnumbered(key: string): void {
    const times = this.unnumbered.get(key);
    if (times) times.push(new Date());
    else this.unnumbered.set(key, [new Date()]);
    // Bounded like the others: past it, the oldest text's times are forgotten (those messages are dated when handed over).
    this.unnumberedCount++;
    for (const [oldest, dropped] of this.unnumbered) {
      if (this.unnumberedCount <= REMEMBERED_MESSAGES) break;
      this.unnumbered.delete(oldest);
      this.unnumberedCount -= dropped.length;
    }
  }

  deliver(packet: IPublishPacket, post: (receivedAt: Date) => Delivery): Delivery {
    if (packet.messageId === undefined) {
      const key = keyOf(0, packet.topic, Buffer.from(packet.payload));
      const times = this.unnumbered.get(key);
      const arrived = times?.shift();
      if (arrived !== undefined) this.unnumberedCount--;
      if (times?.length === 0) this.unnumbered.delete(key);
      return post(arrived ?? new Date());
    }
    const key = keyOf(packet.messageId, packet.topic, Buffer.from(packet.payload));
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const arrived = this.arrivals.get(key);
    this.arrivals.delete(key);
    const receivedAt = (packet.dup ? this.received.get(key) : undefined) ?? arrived ?? new Date();
    remember(this.received, key, receivedAt);
    const delivery = post(receivedAt).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, delivery);
    return delivery;
  }
}

function keyOf(messageId: number, topic: string, payload: Buffer): string {
  return `${messageId} ${topic} ${createHash('sha256').update(payload).digest('hex')}`;
}

function remember(map: Map<string, Date>, key: string, at: Date): void {
  map.delete(key);
  map.set(key, at);
  for (const oldest of map.keys()) {
    if (map.size <= REMEMBERED_MESSAGES) break;
    map.delete(oldest);
  }
}

/** Notes in `receipts` every PUBLISH each connection of `client` receives, as its bytes arrive. */
export function noteArrivals(client: MqttClient, receipts: Receipts): void {
  client.on('packetsend', (packet) => {
    if (packet.cmd !== 'connect') return;
    // A parser of its own per connection (mqtt.js's, which reads a packet only once the one before is handled, would
    // give the time it was handed over). MQTT 3.1.1, the protocol the forwarder speaks.
    const packets = mqttPacket.parser({ protocolVersion: 4 });
    let broken = false;
    receipts.connected();
    packets.on('packet', (p) => {
      if (p.cmd === 'publish') receipts.arrived({ messageId: p.messageId, topic: p.topic, payload: Buffer.from(p.payload), dup: p.dup });
    });
    // Bytes that are no MQTT (mqtt.js ends such a connection itself): its messages are dated when handed over.
    packets.on('error', () => (broken = true));
    client.stream.prependListener('data', (chunk: Uint8Array) => {
      if (!broken) packets.parse(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
  });
}
