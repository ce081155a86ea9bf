// A real socket.io-client: snapshot on connect, then judged + compliance after each stored batch. The server runs
// on a fake clock at local noon of a fixed day, so its "today" holds every event below whenever the test runs (on
// the real clock, a run that began just before midnight found them on the previous day); it moves only when the
// test moves it, past the interval that spaces today's figures pushes (live/figuresPush.ts).
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ComplianceUpdate, JudgedEvent, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { LIVE_FIGURES_INTERVAL_MS } from '../../../server/src/live/figuresPush';
import { testClock } from '../support/testClock';
import { call, useTestServer, visit } from '../support/testServer';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
type Received = { name: 'judged'; events: JudgedEvent[] } | { name: 'compliance'; update: ComplianceUpdate };

let client: Client;
let snapshot: Snapshot;
const received: Received[] = [];
const clock = testClock(new Date(2026, 2, 5, 12, 0, 0).getTime());
const server = useTestServer({ clock });
/** `seconds` before the server's (fake) now. */
const ago = (seconds: number) => new Date(clock.now() - seconds * 1000).toISOString();
const live1 = call({ id: 'live-1', rings: 4, occurredAt: ago(1) });

function connect(extra: Parameters<typeof io>[1] = {}): Client {
  return io(server().url, { forceNew: true, reconnection: false, auth: { token: server().apiKey }, ...extra });
}

/** The compliance update closes what the server pushes for one stored batch (after its judged events). */
const nextCompliance = () => new Promise<void>((resolve) => client.once('compliance', () => resolve()));

beforeAll(async () => {
  // A first client sees the setup batch's compliance push leave, so that push cannot reach the client under test
  // after it connects (on PostgreSQL reading the figures can take longer than a connection does).
  const probe = connect();
  await new Promise((resolve, reject) => {
    probe.once('snapshot', resolve);
    probe.once('connect_error', reject);
  });
  const settled = new Promise<void>((resolve) => probe.once('compliance', () => resolve()));
  await server().postEvents({ events: [call({ id: 'before-1', rings: 1, occurredAt: ago(1) }), visit({ id: 'before-2', greetSeconds: 50, occurredAt: ago(1) })] });
  await settled;
  probe.disconnect();
  client = connect();
  snapshot = await new Promise<Snapshot>((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  });
  client.on('judged', (events) => received.push({ name: 'judged', events }));
  client.on('compliance', (update) => received.push({ name: 'compliance', update }));
});
afterAll(async () => {
  client?.disconnect();
});

describe('live push over Socket.IO', () => {
  it('sends a snapshot on connect: standards, today, a 60-minute series, recent events newest first', () => {
    expect(snapshot.standards.map((s) => s.id)).toEqual(['call-answer-2-rings', 'visit-greet-30s']);
    // The defaults seeded at the first start, in force since the beginning: no range is before them.
    expect(snapshot.standards.map((s) => s.inForce)).toEqual([[{ from: null, to: null }], [{ from: null, to: null }]]);
    expect(snapshot.today.map((f) => [f.standardId, f.total, f.met])).toEqual([
      ['call-answer-2-rings', 1, 1],
      ['visit-greet-30s', 1, 0],
    ]);
    expect(snapshot.eventsToday).toBe(2);
    expect(snapshot.series).toHaveLength(2);
    for (const s of snapshot.series) {
      expect(s.bucket).toBe('minute');
      expect(s.points).toHaveLength(60);
    }
    const lastCallPoint = snapshot.series[0]!.points.at(-1)!;
    expect(Date.parse(lastCallPoint.start)).toBeLessThanOrEqual(clock.now());
    expect(snapshot.series[0]!.points.reduce((n, p) => n + p.total, 0)).toBe(1);
    expect(snapshot.recent.map((r) => r.event.id)).toEqual(['before-2', 'before-1']);
    expect(snapshot.recent[0]!.judgements[0]).toMatchObject({ standardId: 'visit-greet-30s', met: false });
    expect(Date.parse(snapshot.todayFrom)).toBeLessThanOrEqual(clock.now());
    // Whose day todayFrom starts, by name: the dashboard names it beside a site's day in another zone.
    expect(snapshot.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('pushes judged events (oldest first) and then compliance after a POST', async () => {
    await clock.advance(LIVE_FIGURES_INTERVAL_MS); // past the interval after the setup batch's push
    received.length = 0;
    const pushed = nextCompliance();
    // Both in live-1's minute (made when the file loaded), so the chart gets one point even across a minute's end.
    const res = await server().postEvents({ events: [live1, call({ id: 'live-2', rings: 2, occurredAt: live1.occurredAt })] });
    expect(res.status).toBe(201);
    await pushed;
    expect(received.map((r) => r.name)).toEqual(['judged', 'compliance']);
    const judged = received[0] as Extract<Received, { name: 'judged' }>;
    expect(judged.events.map((j) => [j.event.id, j.judgements[0]!.met])).toEqual([
      ['live-1', false],
      ['live-2', true],
    ]);
    expect(judged.events[0]!.event.seq).toBeLessThan(judged.events[1]!.event.seq);
    const { update } = received[1] as Extract<Received, { name: 'compliance' }>;
    expect(update.today.find((f) => f.standardId === 'call-answer-2-rings')).toMatchObject({ total: 3, met: 2, missed: 1 });
    expect(update.eventsToday).toBe(4);
    const callPoints = update.points.filter((p) => p.standardId === 'call-answer-2-rings');
    expect(callPoints).toHaveLength(1);
    expect(callPoints[0]!.point.total).toBeGreaterThanOrEqual(2);
  });

  it('pushes nothing for a pure retry, and no chart points for a back-dated event', async () => {
    await clock.advance(LIVE_FIGURES_INTERVAL_MS);
    received.length = 0;
    const pushed = nextCompliance();
    const retry = (await server().postEvents(live1)).status;
    expect(retry).toBe(200);
    await server().postEvents(call({ id: 'old-1', occurredAt: '2026-01-01T09:00:00Z' }));
    await pushed;
    expect(received.map((r) => r.name)).toEqual(['judged', 'compliance']);
    expect((received[0] as Extract<Received, { name: 'judged' }>).events.map((j) => j.event.id)).toEqual(['old-1']);
    expect((received[1] as Extract<Received, { name: 'compliance' }>).update.points).toEqual([]);
  });

  it('sends every connected client the same update', async () => {
    const second = connect();
    await new Promise((resolve) => second.once('snapshot', resolve));
    const got = new Promise<JudgedEvent[]>((resolve) => second.once('judged', resolve));
    await server().postEvents(visit({ id: 'fanout-1', occurredAt: ago(2) }));
    expect((await got).map((j) => j.event.id)).toEqual(['fanout-1']);
    second.disconnect();
  });

  it('refuses browsers from another origin (CORS closed)', async () => {
    const foreign = connect({ extraHeaders: { origin: 'http://evil.example' } });
    const error = await new Promise<Error>((resolve) => foreign.once('connect_error', resolve));
    expect(error).toBeInstanceOf(Error);
    foreign.disconnect();
    const sameOrigin = connect({ extraHeaders: { origin: server().url } });
    await new Promise((resolve, reject) => {
      sameOrigin.once('snapshot', resolve);
      sameOrigin.once('connect_error', reject);
    });
    sameOrigin.disconnect();
  });
});
