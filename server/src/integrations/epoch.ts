// Times the feeds send as a count since 1970, in seconds (Asterisk's queue_log, Twilio's Timestamp) or milliseconds
// (Twilio's TimestampMs): a count in the other unit than its field's is told so rather than read as another time.
// Pure.

export type EpochUnit = 'seconds' | 'milliseconds';

const MS_PER: Readonly<Record<EpochUnit, number>> = { seconds: 1000, milliseconds: 1 };

/** Latest instant an ISO date can hold (9999-12-31T23:59:59.999Z), in milliseconds since 1970. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * The instants a feed's time can name, in milliseconds since 1970: from 2001-09-09T01:46:40Z, the first with 10 digits
 * in seconds (10^9) and 13 in milliseconds (10^12), to the last an ISO date holds. No phone system writes a call from
 * before it, and the two units do not overlap in it: a count of seconds of such a time is below 10^12, one of
 * milliseconds at or above it, so a count's size says its unit.
 */
export const FEED_TIMES = { fromMs: 1e12, toMs: MAX_EPOCH_MS } as const;

/** The instant `count` (whole `unit`s since 1970) names, when it is one of FEED_TIMES; else null. */
export function feedInstantMs(count: number, unit: EpochUnit): number | null {
  const ms = count * MS_PER[unit];
  return ms >= FEED_TIMES.fromMs && ms <= FEED_TIMES.toMs ? ms : null;
}

/**
 * Why the whole count `text`, sent as `unit` since 1970, is the other unit, or null: it names none of FEED_TIMES in
 * its own unit but one in the other (1772438400000 as seconds, 1796611352 as milliseconds: 1970-01-21). Said with the
 * instant it names in the other unit, so the sender sees it is their time.
 */
export function wrongEpochUnit(text: string, unit: EpochUnit): string | null {
  const count = Number(text);
  const other: EpochUnit = unit === 'seconds' ? 'milliseconds' : 'seconds';
  const asOther = feedInstantMs(count, other);
  if (feedInstantMs(count, unit) !== null || asOther === null) return null;
  return `must be ${unit} since 1970, not ${other}: got ${JSON.stringify(text)} (as ${other} ${new Date(asOther).toISOString()})`;
}
