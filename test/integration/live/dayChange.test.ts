// A wall display left on over night: at the server's midnight every live client gets a fresh snapshot of the new day,
// with no event needed. Today's figures are pushed only after stored events, so before this a quiet board (a centre
// closed overnight) kept yesterday's figures under "today" until the first event of the morning. The server runs on
// a fake clock a minute before its midnight.
import { io, type Socket } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { todayRange } from '../../../server/src/domain/ranges';
import { testClock } from '../support/testClock';
import { call, useTestServer } from '../support/testServer';

const start = new Date(2026, 11, 7, 23, 58, 0).getTime();
const clock = testClock(start);
const server = useTestServer({ clock });
let client: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
afterAll(() => void client?.close());

it("pushes a fresh snapshot at the server's midnight, so a quiet board shows the new day as today", async () => {
  await clock.advance(60_000);
  const posted = await server().postEvents(call({ id: 'late-1', site: 'harbour', occurredAt: new Date(clock.now() - 10_000).toISOString(), rings: 1 }));
  expect(posted.status).toBe(201);
  const snapshots: Snapshot[] = [];
  client = io(server().url, { forceNew: true, reconnection: false, auth: { token: server().apiKey } });
  client.on('snapshot', (s) => snapshots.push(s));
  await expect.poll(() => snapshots.length).toBe(1);
  const first = snapshots[0]!;
  expect(first.eventsToday).toBe(1);
  const nextDay = todayRange(clock.now(), first.timeZone!).toMs;

  // Nothing before midnight: a snapshot pushed a second early would come first, with yesterday's todayFrom.
  await clock.advance(nextDay - clock.now() - 1000);
  await clock.advance(1000);
  await expect.poll(() => snapshots.length).toBe(2);
  const second = snapshots[1]!;
  expect(Date.parse(second.todayFrom)).toBe(nextDay);
  expect(second.eventsToday).toBe(0);
  expect(second.today.every((f) => f.denominator === 0)).toBe(true);

  // And again the next night (the timer is set anew each day).
  await clock.advance(24 * 3_600_000);
  await expect.poll(() => snapshots.length).toBe(3);
  expect(Date.parse(snapshots[2]!.todayFrom)).toBe(todayRange(clock.now(), first.timeZone!).fromMs);
});
