// Ids of events posted without one: UUIDs of version 7 (RFC 9562), i.e. the receiving millisecond in the first 48
// bits, a 12-bit counter within it, then 62 random bits. Time-ordered ids go in at the end of the events' unique id
// index: with random UUIDs every event of a batch lands on another page of that index, and each page a commit changed
// is written whole to the WAL and again by the checkpoint, so the bytes written per event grew with the store (3.8 to
// 10 kB per event between 30 k and 120 k events, against a flat ~3 kB with these). 62 random bits per id keep them
// unguessable and unique across servers; the time they reveal is the event's receivedAt, which is public.
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const pool = Buffer.alloc(8 * POOL_IDS);
/** The pool's random bytes as hex: each id's last 8 bytes are a slice of it (one encoding per 512 ids). */
let poolHex = '';
let next = POOL_IDS;
let lastMs = -1;
/** Within one millisecond the 12 bits after the version count up (RFC 9562 method 1), so ids stay ordered. */
let counter = 0;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The variant (binary 10) in the top bits of byte 8: its first hex digit, from a random one. */
const VARIANT = '89ab89ab89ab89ab';

export function timeOrderedUuid(nowMs: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    next = 0;
  }
  const tail = poolHex.slice(16 * next, 16 * next + 16);
  next += 1;
  if (nowMs > lastMs) {
    lastMs = nowMs;
    counter = parseInt(tail.slice(13, 16), 16) & 0x7ff; // a random start below half the range leaves room to count up
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1; // counter exhausted (4,096+ ids in one millisecond): borrow the next millisecond
    counter = 0;
  }
  const ms = lastMs;
  const high = Math.floor(ms / 2 ** 32); // the top 16 of the 48 bits
  const low = ms >>> 0;
  return `${HEX[high >>> 8]}${HEX[high & 0xff]}${HEX[low >>> 24]}${HEX[(low >>> 16) & 0xff]}-${HEX[(low >>> 8) & 0xff]}${HEX[low & 0xff]}-7${HEX[counter >>> 8]![1]}${HEX[counter & 0xff]}-${VARIANT[parseInt(tail[0]!, 16)]}${tail.slice(1, 4)}-${tail.slice(4, 16)}`;
}
