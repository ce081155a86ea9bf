// Ids of events posted without one: UUIDs of version 7 (RFC 9562), i.e. the receiving millisecond in the first 48
// bits, then random bits. Time-ordered ids go in at the end of the events' unique id index, so a batch dirties a few
// index pages instead of one page per event scattered over the whole index (random UUIDs): fewer pages to write to
// the WAL, fsync and checkpoint per commit once the index outgrows the page cache. 74 random bits per id keep
// them unguessable and unique across servers; the time they reveal is the event's receivedAt, which is public.
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;
let lastMs = -1;
/** Within one millisecond the 12 bits after the version count up (RFC 9562 method 1), so ids stay ordered. */
let counter = 0;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function timeOrderedUuid(nowMs: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(16 * next, 16 * next + 16);
  next += 1;
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = (b[6]! & 0x07) << 8 | b[7]!; // a random start below half the range leaves room to count up
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1; // counter exhausted (4,096+ ids in one millisecond): borrow the next millisecond
    counter = 0;
  }
  const ms = lastMs;
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | (counter >>> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const h = (i: number) => HEX[b[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
