// GET /api/v1/kiosk: what a reception kiosk needs to time the visitors waiting at its desk, asked with the desk's
// ingest key (which cannot read standards or clocks).
import type { EventTypeDefinition } from './eventTypes';

/** One standard timing a visitor from arrival: the seconds after arrival its clock turns at-risk and runs out. */
export interface KioskStandard {
  standardId: string;
  name: string;
  atRiskSeconds: number;
  deadlineSeconds: number;
  /** 'business': the server counts only open hours; the kiosk shows wall-clock time. */
  clock: 'wall' | 'business';
  /**
   * When an arrival is not counted by this standard (the site closed, and the standard does not count outside
   * hours): a visitor who arrived in one of these spans has no deadline under it, as GET /clocks says with
   * `notCounted`. They cover the arrivals from the longest a visit stays open before serverTime (every visitor still
   * waiting) to a week after it; empty when the standard counts every arrival.
   */
  notCounted: KioskSpan[];
}

/** A half-open span of time [from, to), ISO UTC. */
export interface KioskSpan {
  from: string;
  to: string;
}

export interface KioskSetup {
  /**
   * `timeZone`: the site's IANA zone, whose days the kiosk numbers its visitors by ("Visitor 1" is the day's first).
   * A setup saved from an older server has none.
   */
  site: { id: string; name: string; timeZone: string };
  /** The visit type: its start ("arrived"), its served stop ("greeted") and its gave-up stop ("left"). */
  eventType: EventTypeDefinition;
  /** The visit standards in force at the site whose clock starts at arrival and can run out. */
  standards: KioskStandard[];
  /** The server's time, so a tablet with a wrong clock stamps milestones on the server's time. */
  serverTime: string;
}
