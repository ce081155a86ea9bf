// The `replay` request: a client that reconnects asks for everything after the last event seq and
// incident change seq it saw, so nothing is missed while it was away. Answers are bounded; `complete: false` means "ask
// again after the last one you got". Input comes from the network: anything malformed gets { ok: false }.
//
// What one client's replays may cost the node: a replay may read 5,000 events (about 2 MB of answer), and a client
// sending ten at once had them read back to back, holding `/health` and ingest for seconds. So a node reads at most
// REPLAYS_AT_ONCE replays at a time, the others waiting their turn in arrival order (not refused: a client needs no
// new handling); a connection's replays are read one after the other, each taking its turn anew behind the
// replays of other connections that arrived meanwhile; and a replay reads in pages of READ_PAGE, letting the event
// loop take a turn before each, so other work gets in between (SQLite reads synchronously and never yields by itself).
import { setImmediate as nextTurn } from 'node:timers/promises';
import { REPLAY_MAX_EVENTS, REPLAY_MAX_INCIDENT_CHANGES, type ReplayRequest, type ReplayResponse } from '../protocol';
import { readFailureInWords } from '../domain/errors';
import type { StoreReads } from '../store/port';
import type { LiveServer } from './liveServer';

export interface ReplayLimits {
  maxEvents: number;
  maxIncidentChanges: number;
}

const DEFAULT_LIMITS: ReplayLimits = { maxEvents: REPLAY_MAX_EVENTS, maxIncidentChanges: REPLAY_MAX_INCIDENT_CHANGES };

/** Replays a node reads at once; the others wait their turn, first come first served. */
export const REPLAYS_AT_ONCE = 2;

/**
 * A connection's replays that may wait behind its own one being read; one more is refused (too-many-replays). The
 * per-second limit (socketGuard.ts) bounds how fast they come, not how many wait when the node reads slower than that.
 */
export const REPLAYS_WAITING_PER_CONNECTION = 10;

/**
 * Events (or incident changes) a replay reads between two turns of the event loop: about 25 ms of reading, as long as
 * an export keeps the loop (exports/format.ts TURN_MS), where the 5,000 of a whole answer took half a second.
 */
const READ_PAGE = 250;

/** A cursor is absent, or a whole number ≥ 0 (seqs start at 1, so 0 means "from the beginning"). */
function cursor(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return `${name} must be a whole number ≥ 0`;
  return value;
}

const invalid = (error: string): ReplayResponse => ({ ok: false, error, code: 'invalid-replay' });

/** `wanted`: asked before each page; once false the rest is not read (the client has gone, nobody reads the answer). */
export async function answerReplay(reads: StoreReads, request: unknown, limits: ReplayLimits = DEFAULT_LIMITS, wanted: () => boolean = () => true): Promise<ReplayResponse> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return invalid('the request must be an object { afterSeq?, afterIncidentChange? }');
  // A misspelt cursor (aftreSeq) would otherwise read as "nothing of that kind" and look caught up.
  const unknown = Object.keys(request).find((key) => key !== 'afterSeq' && key !== 'afterIncidentChange');
  if (unknown !== undefined) return invalid(`${JSON.stringify(unknown.slice(0, 50))} is not a known field (afterSeq, afterIncidentChange)`);
  const { afterSeq: rawSeq, afterIncidentChange: rawChange } = request as ReplayRequest;
  const afterSeq = cursor(rawSeq, 'afterSeq');
  if (typeof afterSeq === 'string') return invalid(afterSeq);
  const afterChange = cursor(rawChange, 'afterIncidentChange');
  if (typeof afterChange === 'string') return invalid(afterChange);
  // One more than the limit tells whether there is more, without a COUNT over the table.
  const events = afterSeq === undefined ? [] : await inPages((after, limit) => reads.events.after(after, limit), (j) => j.event.seq, afterSeq, limits.maxEvents + 1, wanted);
  const incidents = afterChange === undefined ? [] : await inPages((after, limit) => reads.incidents.after(after, limit), (u) => u.change.seq, afterChange, limits.maxIncidentChanges + 1, wanted);
  const complete = events.length <= limits.maxEvents && incidents.length <= limits.maxIncidentChanges;
  return {
    ok: true,
    events: events.slice(0, limits.maxEvents),
    incidents: incidents.slice(0, limits.maxIncidentChanges),
    complete,
    headSeq: await reads.events.headSeq(),
    headIncidentChange: await reads.incidents.headSeq(),
  };
}

/**
 * Up to `limit` rows after `after`, oldest first, read READ_PAGE at a time with a turn of the event loop before each
 * page. Both tables are numbered by seq and only grow at the end, so reading on after the last row of a page loses
 * and repeats nothing; rows stored between two pages are read as if they had been there.
 */
async function inPages<T>(read: (after: number, limit: number) => Promise<T[]>, seqOf: (row: T) => number, after: number, limit: number, wanted: () => boolean): Promise<T[]> {
  const rows: T[] = [];
  let cursor = after;
  while (rows.length < limit) {
    await nextTurn();
    if (!wanted()) break;
    const want = Math.min(READ_PAGE, limit - rows.length);
    const page = await read(cursor, want);
    rows.push(...page);
    if (page.length < want) break;
    cursor = seqOf(page.at(-1)!);
  }
  return rows;
}

/** What a replay that failed on the server is about, for its log line (never sent to the client). */
export interface ReplayFailure {
  socketId: string;
  keyId: string | null;
  request: unknown;
}

/**
 * The answer to a replay the server failed to read: stable words and a code, naming the connection its log line
 * names; never the internal error's text, which the log has.
 */
function replayFailed(error: unknown, socketId: string): ReplayResponse {
  return { ok: false, code: 'replay-failed', error: `replay failed on the server (${readFailureInWords(error)}; logged for connection ${socketId}); ask again shortly` };
}

/** How many replays a node is reading, and how many wait for their turn (GET /stats `live`). */
export interface ReplayStats {
  replaysReading: number;
  replaysWaiting: number;
  /** Replays refused with TOO_MANY_WAITING (GET /stats counts them in `refusedReplays`, with the guard's). */
  refusedWaiting: number;
}

/** What a connection with REPLAYS_WAITING_PER_CONNECTION replays already waiting is answered (it stays connected). */
const TOO_MANY_WAITING: ReplayResponse = {
  ok: false,
  code: 'too-many-replays',
  error: `too many replay requests waiting on this connection (${REPLAYS_WAITING_PER_CONNECTION}); ask again once one is answered`,
};

/** Runs at most `atOnce` pieces of work at a time; the others start in the order they were handed over. */
function turns(atOnce: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const startNext = () => {
    if (running >= atOnce) return;
    const start = waiting.shift();
    if (!start) return;
    running += 1;
    start();
  };
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push(() =>
          void work()
            .then(resolve, reject)
            .finally(() => {
              running -= 1;
              startNext();
            }),
        );
        startNext();
      });
    },
    stats: () => ({ running, waiting: waiting.length }),
  };
}

/** The replays of a node (handleReplay). */
export interface Replays {
  stats(): ReplayStats;
  /**
   * Starts no replay after, and resolves once none is being read: a replay reads in pages with turns between them, so
   * a store closed meanwhile would be closed under it (livePush.ts close).
   */
  stop(): Promise<void>;
}

/** Registers the handler on every connecting socket (called from livePush.ts). */
export function handleReplay(io: LiveServer, reads: StoreReads, onError: (error: unknown, failure: ReplayFailure) => void, limits: ReplayLimits = DEFAULT_LIMITS): Replays {
  const node = turns(REPLAYS_AT_ONCE);
  // Replays handed over and not answered yet, on every connection: those being read, those in the node's line, and
  // those waiting behind their own connection's previous one (which join the line only once it is answered).
  let inHand = 0;
  let refusedWaiting = 0;
  let stopped = false;
  const reading = new Set<Promise<unknown>>();
  io.on('connection', (socket) => {
    let own = Promise.resolve();
    let unanswered = 0;
    socket.on('replay', (...args: unknown[]) => {
      // Socket.IO hands the ack over last. Without one there is nobody to answer (a hostile or broken client): ignore.
      const ack = args.pop();
      if (typeof ack !== 'function') return;
      const answer = ack as (response: ReplayResponse) => void;
      // A request left out (or one too many) is answered, not read as another request: the client would wait forever.
      if (args.length !== 1) return answer(invalid(`replay takes one request { afterSeq?, afterIncidentChange? } before its acknowledgement (got ${args.length})`));
      if (unanswered > REPLAYS_WAITING_PER_CONNECTION) return (refusedWaiting += 1), answer(TOO_MANY_WAITING);
      const request = args[0];
      unanswered += 1;
      inHand += 1;
      // A replay of a connection that has gone meanwhile is not read: nobody is left to answer.
      const read = async () => {
        if (stopped || !socket.connected) return null;
        const answer = answerReplay(reads, request, limits, () => !stopped && socket.connected);
        reading.add(answer);
        return answer.finally(() => reading.delete(answer));
      };
      const answered = () =>
        node
          .run(read)
          .then(
            (response) => {
              if (response) answer(response);
            },
            (error: unknown) => {
              onError(error, { socketId: socket.id, keyId: socket.data.key?.id ?? null, request });
              answer(replayFailed(error, socket.id));
            },
          )
          .finally(() => {
            unanswered -= 1;
            inHand -= 1;
          });
      // After the connection's previous replay was answered (or failed to be), this one joins the node's line at its end.
      own = own.then(answered, answered);
    });
  });
  return {
    stats: () => {
      const { running } = node.stats();
      return { replaysReading: running, replaysWaiting: inHand - running, refusedWaiting };
    },
    stop: async () => {
      stopped = true;
      await Promise.allSettled(reading);
    },
  };
}
