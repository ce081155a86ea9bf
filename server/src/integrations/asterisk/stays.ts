// A channel's stays in one queue, told apart. app_queue counts each stay (ENTERQUEUE … CONNECT, ABANDON or EXIT…) as
// one entry of its statistics, and a dialplan may send the same channel into the same queue again (a Queue() with a
// timeout, an announcement, back into the queue; a caller who left with a key and is sent back). Each stay is its own
// case: the first keeps callid@queuename, a later one gets callid@queuename#<epoch its stay began>.
//
// A line knows its channel and queue but not which stay it is: an ENTERQUEUE gives its stay's start (its epoch), an
// end gives it less exactly (its epoch less the wait it carries: app_queue takes the stay's start and the line's
// epoch from time(NULL) at different moments, so the two may be a second apart, the tolerance a finished event's
// start already has, CASE_START_TOLERANCE_SECONDS). So a line is matched to the stays already known: those earlier in
// the request (the file's order) and those stored (read through the store, in the write that stores the request),
// which is what keeps it the same case however the lines are cut into requests and however often they are posted.
//
// A stay that leaves nothing stored but its close (it ends without an outcome, EXITWITHKEY or a wait gone negative,
// and its ENTERQUEUE is not stored: not in the file, or too old to be a live clock) is stored with no start, so
// nothing of it tells it apart from another such stay once stored. Such a stay is the case of the channel's first
// stay when that one left nothing either (emptyStay): a re-post of the first stay's lines then finds
// its case instead of making another, empty one, and a withdrawal changes no figure, so stays merged so lose nothing.
//
// A stop that gives no start (SYSCOMPAT: no wait on the line) is known by its own time instead: what is stored of its
// stay is that stop, at the line's epoch, whether or not its start is (stoppedBy). So its re-post finds that stay even
// when nothing else could (the channel's first stay, its start never stored, or in an earlier request than the stop),
// and it never ends a stay that began after it (ingest would refuse a stop timed before its stay's start). A caller
// queued again and stopped so in the second of that stored stop is a new stay when its ENTERQUEUE is a live clock;
// when that ENTERQUEUE is as old (a backlog) nothing tells it from the stopped stay posted again, and it is taken for it.
import { agreesWithCaseStart } from '../../domain/clocks';
import type { FeedCase, FeedCases } from '../../services/ingest/outcomes';

/** The stay of a channel in a queue a line belongs to, as the line alone tells it. */
export interface StayRef {
  /** callid@queuename: the case id of the channel's first stay in the queue. */
  base: string;
  /** When the stay began, in epoch seconds, as this line gives it; null when it gives none. */
  startSec: number | null;
  /** The line's own epoch: what tells apart a later stay whose start no line gives (its only line an end without a wait). */
  epochSec: number;
}

/** What stays.ts needs of a line: how it touches its stay (an ignored line has none). */
export interface StayReading {
  kind: 'start' | 'stop' | 'withdraw' | 'handle' | 'ignored';
  stay?: StayRef;
}

/** '#' and an epoch of up to 12 digits (up to the year 9999): what a later stay adds to its channel's case id. */
export const STAY_SUFFIX_MAX_LENGTH = 13;

/** What was read of the stored stays: by case id (null: none stored), and the open stays of a channel and queue beyond its first. */
export interface StayLookups {
  cases: Map<string, FeedCase | null>;
  openLater: Map<string, readonly FeedCase[]>;
}

/** Nothing read: every stay is taken to be new (a text mapped on its own). */
export const NOTHING_LOOKED_UP: StayLookups = { cases: new Map(), openLater: new Map() };

/**
 * Whether an ENTERQUEUE at `startMs` is stored, as a running clock: not when it began before `liveSinceMs` (the server
 * judges a start by its own clock, so a late one would be breached at once: feed.ts). Everything is live by default.
 */
export function isLiveStart(startMs: number, liveSinceMs = Number.NEGATIVE_INFINITY): boolean {
  return startMs >= liveSinceMs;
}

interface Stay {
  caseId: string;
  startMs: number | null;
  open: boolean;
  /** Its ENTERQUEUE is in this request. */
  entered: boolean;
  /** Its end is in this request. */
  endedHere: boolean;
  /** Read from the store (else this request is the first to tell it). */
  stored: boolean;
  /** Its ENTERQUEUE is in this request and is stored (isLiveStart). */
  liveStart: boolean;
  /** Nothing of it is stored but its close: no start, no outcome. */
  empty: boolean;
  /** When its stored stop is timed (null: none stored, or not read from the store). */
  stopMs: number | null;
  /** The stay it turned out to be (an empty stay is its channel's empty first stay): its lines are that one's. */
  sameAs?: Stay;
}

/**
 * The case id of each reading (undefined for an ignored line), and what it would have needed to read that it did
 * not have (then the ids are provisional: read those and assign again).
 */
export function assignStays(
  readings: readonly StayReading[],
  lookups: StayLookups,
  liveSinceMs?: number,
): { caseIds: Array<string | undefined>; missing: { cases: Set<string>; openLater: Set<string> } } {
  const missing = { cases: new Set<string>(), openLater: new Set<string>() };
  const channels = new Map<string, ChannelStays>();
  const stays = readings.map((r) => {
    if (r.kind === 'ignored' || !r.stay) return undefined;
    let channel = channels.get(r.stay.base);
    if (!channel) channels.set(r.stay.base, (channel = new ChannelStays(r.stay.base, lookups, missing, liveSinceMs)));
    return channel.assign(r.kind, r.stay);
  });
  // Read once every line is assigned: a later line may show that an earlier one's stay is another (sameAs).
  return { caseIds: stays.map((s) => s && (s.sameAs ?? s).caseId), missing };
}

/**
 * The case ids of `readings` at `site`, reading the stored stays through `cases` (inside the write that stores them),
 * an ENTERQUEUE from before `liveSinceMs` not being stored (isLiveStart):
 * assigned, then again with what the assignment found it needed, until it needs nothing more (a few rounds: the first
 * stays, the later ones near each line's start, the open ones).
 */
export async function resolveStays(readings: readonly StayReading[], site: string, cases: FeedCases, liveSinceMs: number): Promise<Array<string | undefined>> {
  const lookups: StayLookups = { cases: new Map(), openLater: new Map() };
  for (;;) {
    const { caseIds, missing } = assignStays(readings, lookups, liveSinceMs);
    if (missing.cases.size === 0 && missing.openLater.size === 0) return caseIds;
    // All asked before any is awaited: one round trip on PostgreSQL's pipelined write connection.
    await Promise.all([
      ...[...missing.cases].map(async (caseId) => lookups.cases.set(caseId, (await cases.get({ type: 'call', site, caseId })) ?? null)),
      ...[...missing.openLater].map(async (base) => {
        const open = await cases.openWithPrefix('call', site, `${base}#`);
        lookups.openLater.set(base, open);
        for (const c of open) lookups.cases.set(c.caseId, c);
      }),
    ]);
  }
}

/** One channel's stays in one queue: those stored (as far as read) and those of this request, in the file's order. */
class ChannelStays {
  private readonly stays: Stay[] = [];
  /** The stay whose ENTERQUEUE came last in this request and has not ended in it. */
  private current: Stay | undefined;
  /** The stay of the last start or end line of this request. */
  private last: Stay | undefined;

  constructor(
    private readonly base: string,
    private readonly lookups: StayLookups,
    private readonly missing: { cases: Set<string>; openLater: Set<string> },
    private readonly liveSinceMs: number | undefined,
  ) {}

  assign(kind: 'start' | 'stop' | 'withdraw' | 'handle', { startSec, epochSec }: StayRef): Stay {
    if (kind === 'handle') {
      // The end of an answered call: the stay whose start it gives, else the one last touched (its CONNECT).
      return (startSec === null ? undefined : this.agreeing(startSec)) ?? this.last ?? this.stored(this.base) ?? this.fresh(startSec ?? epochSec, null, false);
    }
    const stay = kind === 'start' ? this.enter(epochSec) : this.end(kind, startSec, epochSec);
    this.last = stay;
    return stay;
  }

  /** An ENTERQUEUE: the same line again, a stored stay it began (a re-post, or its end came first), else a new stay. */
  private enter(startSec: number): Stay {
    if (this.current?.startMs === startSec * 1000) return this.current;
    // The same line again after its stay ended in this request (a body holding the lines twice: files joined with an
    // overlap, a shipper's resend): that stay, as when the copy comes in a request of its own and finds it stored.
    // Otherwise the copy would begin a later stay, and its ends would count the call twice.
    const repeated = this.stays.find((s) => s.entered && s.startMs === startSec * 1000);
    if (repeated) {
      this.current = repeated.open ? repeated : undefined;
      return repeated;
    }
    const known = this.agreeing(startSec, (s) => !s.entered && !s.endedHere);
    const stay = known ?? this.fresh(startSec, startSec, true);
    stay.entered = true;
    stay.liveStart ||= isLiveStart(startSec * 1000, this.liveSinceMs);
    this.current = stay.open ? stay : undefined;
    return stay;
  }

  /**
   * An end: of the stay entered earlier in this request; else of the stored stay whose start it gives; else of the
   * stay still open (its start disagrees: ingest refuses it, as it would had both come in one request); else of a
   * stay whose start never arrived. A withdrawal that leaves its stay empty may make it another stay (emptyStay).
   */
  private end(kind: 'stop' | 'withdraw', startSec: number | null, epochSec: number): Stay {
    const startless = kind === 'stop' && startSec === null;
    // Not a stay that began after the line: ingest would refuse a stop so timed, and would close the wrong stay with a
    // withdrawal (a re-posted key press of a stay whose start was never stored, its caller queued again since). Except
    // a withdrawal that gives no start (its wait may have gone negative: timed before its start) and a stop that gives
    // one (held to its stay's start by ingest, and refused when they disagree).
    const notAfter = startless || (kind === 'withdraw' && startSec !== null) ? epochSec : undefined;
    const ended =
      (startless ? this.stoppedBy(epochSec) : undefined) ??
      this.current ??
      (startSec === null ? undefined : this.agreeing(startSec)) ??
      this.openStored(notAfter) ??
      this.fresh(startSec ?? epochSec, startSec, false);
    if (ended === this.current || this.current?.sameAs === ended) this.current = undefined;
    const stay = kind === 'withdraw' && !ended.stored && !ended.liveStart ? this.emptyStay(ended) : ended;
    stay.open = false;
    stay.endedHere = true;
    return stay;
  }

  /**
   * A stay this request tells that ends leaving nothing stored but its close: empty, and the channel's first stay
   * when that one is empty too (stored so, or so in this request), as nothing else could tell the two apart once
   * stored: a re-post of a first stay whose start was never stored finds it here.
   */
  private emptyStay(stay: Stay): Stay {
    const first = this.stays.find((s) => s.caseId === this.base && !s.sameAs) ?? this.stored(this.base);
    stay.empty = true;
    if (!first || first === stay || !first.empty) return stay;
    stay.sameAs = first;
    return first;
  }

  /** The known stay that began closest to `startSec` within the tolerance (the open one, then the later one, on a tie). */
  private agreeing(startSec: number, allowed: (s: Stay) => boolean = () => true): Stay | undefined {
    const baseStored = this.stored(this.base);
    if (baseStored) for (const d of [-1, 0, 1]) this.stored(`${this.base}#${startSec + d}`);
    const distance = (s: Stay) => Math.abs(s.startMs! - startSec * 1000);
    return this.stays
      .filter((s) => s.startMs !== null && allowed(s) && agreesWithCaseStart(startSec * 1000, s.startMs))
      .sort((a, b) => distance(a) - distance(b) || Number(b.open) - Number(a.open) || b.startMs! - a.startMs!)[0];
  }

  /**
   * The stored stay a stop that gives no start, at `epochSec`, stopped already: the same line posted again. The stay
   * this request began for it (its ENTERQUEUE too old to be stored, or never stored) is that one, when that one's start
   * is not stored either; a stored start is the stay's own and wins (the line is then that stay's). So does a start
   * this request stores as a live clock at or after that stop: the stopped stay's start was too old to be stored when
   * its stop was, and is older now, so this is not that stay posted again but the channel queued again after it and
   * stopped in the same second.
   */
  private stoppedBy(epochSec: number): Stay | undefined {
    // The first stay, or a later one whose case id is this stop's epoch (fresh): where such a stop was stored.
    this.stored(this.base);
    this.stored(`${this.base}#${epochSec}`);
    const stopped = this.stays.find((s) => s.stored && s.stopMs === epochSec * 1000);
    const current = this.current;
    if (!stopped || !current || current === stopped) return stopped;
    if (current.stored || stopped.startMs !== null) return undefined;
    if (current.liveStart && current.startMs !== null && current.startMs >= stopped.stopMs!) return undefined;
    current.sameAs = stopped;
    return stopped;
  }

  /**
   * The stored stay still open (a channel is in a queue once at a time; the latest if the log left several open); with
   * `notAfterSec`, only one that began by then.
   */
  private openStored(notAfterSec?: number): Stay | undefined {
    const endable = (s: Stay) => s.open && (notAfterSec === undefined || s.startMs === null || s.startMs <= notAfterSec * 1000);
    const first = this.stored(this.base);
    if (!first) return undefined;
    if (endable(first)) return first;
    const later = this.lookups.openLater.get(this.base);
    if (!later) {
      this.missing.openLater.add(this.base);
      return undefined;
    }
    for (const c of later) this.stored(c.caseId);
    return this.stays.filter((s) => endable(s) && s.caseId !== this.base).sort((a, b) => (b.startMs ?? 0) - (a.startMs ?? 0))[0];
  }

  /**
   * A stay this request is the first to tell: the first stay's case id while no stay is known, else one suffixed with
   * `suffixSec` (its start, or the line's epoch when no line gives its start).
   */
  private fresh(suffixSec: number, startSec: number | null, open: boolean): Stay {
    const first = !this.stored(this.base) && !this.stays.some((s) => s.caseId === this.base);
    const caseId = first ? this.base : `${this.base}#${suffixSec}`;
    const same = this.stays.find((s) => s.caseId === caseId) ?? (first ? undefined : this.stored(caseId));
    if (same) return same;
    const stay: Stay = { caseId, startMs: startSec === null ? null : startSec * 1000, open, entered: false, endedHere: false, stored: false, liveStart: false, empty: false, stopMs: null };
    this.stays.push(stay);
    return stay;
  }

  /** The stored stay `caseId` (added to the known ones), or undefined when none is stored or it has not been read yet. */
  private stored(caseId: string): Stay | undefined {
    const known = this.stays.find((s) => s.caseId === caseId);
    if (known) return known;
    const record = this.lookups.cases.get(caseId);
    if (record === undefined) {
      this.missing.cases.add(caseId);
      return undefined;
    }
    if (record === null) return undefined;
    // Closed with no start: nothing but its close is stored (its outcome would have given its start).
    const stay: Stay = { caseId, startMs: record.startMs, open: record.open, entered: false, endedHere: false, stored: true, liveStart: false, empty: !record.open && record.startMs === null, stopMs: record.stopMs };
    this.stays.push(stay);
    return stay;
  }
}
