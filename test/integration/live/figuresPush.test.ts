// Today's figures on the live feed while events keep coming: every stored group's events are pushed at once, the
// figures after them at most once per interval, and the push that stands for several groups carries every minute
// they touched and the same totals a recount gives. A real server on a fake clock (its timers move only when the
// test moves them) and a real socket.io-client.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ComplianceUpdate, JudgedEvent, ServerToClientEvents } from '../../../server/src/protocol';
import { testClock } from '../support/testClock';
import { call, useTestServer } from '../support/testServer';

const INTERVAL_MS = 100;
// Local noon of a fixed day: every event below falls on the server's "today", whenever the test runs.
const clock = testClock(new Date(2026, 2, 5, 12, 0, 0).getTime());
const server = useTestServer({ clock, liveFiguresIntervalMs: INTERVAL_MS });
let client: Socket<ServerToClientEvents, ClientToServerEvents>;
const judged: JudgedEvent[][] = [];
const figures: ComplianceUpdate[] = [];

/** `minutesAgo` minutes before the server's (fake) now, inside the live hour. */
const at = (minutesAgo: number) => new Date(clock.now() - minutesAgo * 60_000).toISOString();
const minuteOf = (iso: string) => new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString();

/** Resolves once `n` messages of the kind have arrived in all. */
function received<T>(list: T[], name: 'judged' | 'compliance', n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (list.length < n) return;
      client.off(name, check);
      resolve();
    };
    client.on(name, check);
    check();
  });
}

beforeAll(async () => {
  client = io(server().url, { forceNew: true, reconnection: false, auth: { token: server().apiKey } });
  await new Promise((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  });
  client.on('judged', (events) => judged.push(events));
  client.on('compliance', (update) => figures.push(update));
});
afterAll(async () => {
  client?.disconnect();
});

describe('live figures while events keep coming', () => {
  it('pushes each group at once, and the figures of the groups after the first together once the interval ends', async () => {
    const first = call({ id: 'first', rings: 1, occurredAt: at(30) });
    expect((await server().postEvents(first)).status).toBe(201);
    await received(figures, 'compliance', 1);
    expect(figures[0]!.points.filter((p) => p.standardId === 'call-answer-2-rings').map((p) => p.point.start)).toEqual([minuteOf(first.occurredAt)]);

    // The clock stands still: both groups are stored within the interval that followed the first push.
    const second = call({ id: 'second', rings: 5, occurredAt: at(20) });
    const third = [call({ id: 'third-a', rings: 2, occurredAt: at(10) }), call({ id: 'third-b', rings: 3, occurredAt: at(10) })];
    expect((await server().postEvents(second)).status).toBe(201);
    expect((await server().postEvents({ events: third })).status).toBe(201);
    await received(judged, 'judged', 3);
    expect(judged.map((group) => group.map((j) => j.event.id))).toEqual([['first'], ['second'], ['third-a', 'third-b']]);
    expect(figures).toHaveLength(1);

    await clock.advance(INTERVAL_MS);
    await received(figures, 'compliance', 2);
    const merged = figures[1]!;
    const callPoints = merged.points.filter((p) => p.standardId === 'call-answer-2-rings');
    expect(callPoints.map((p) => p.point.start)).toEqual([minuteOf(second.occurredAt), minuteOf(third[0]!.occurredAt)]);
    expect(callPoints.map((p) => [p.point.total, p.point.met])).toEqual([
      [1, 0],
      [2, 1],
    ]);
    expect(merged.today.find((f) => f.standardId === 'call-answer-2-rings')).toMatchObject({ total: 4, met: 2 });
    expect(merged.eventsToday).toBe(4);
    // The same figures as a fresh snapshot, which reads everything again.
    const recount = await server().getJson('/api/v1/compliance?window=today');
    expect(recount.body.standards.find((s: { standardId: string }) => s.standardId === 'call-answer-2-rings')).toMatchObject({ total: 4, met: 2 });
  });

  it('pushes the figures at once again after an interval without stored events', async () => {
    await clock.advance(INTERVAL_MS * 2);
    const before = figures.length;
    expect((await server().postEvents(call({ id: 'later', rings: 1, occurredAt: at(5) }))).status).toBe(201);
    await received(figures, 'compliance', before + 1);
    expect(figures.at(-1)!.today.find((f) => f.standardId === 'call-answer-2-rings')).toMatchObject({ total: 5, met: 3 });
  });
});
