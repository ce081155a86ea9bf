// The server's calendar arithmetic (protocol/pure/calendar.ts, which the dashboard shares) and its own zone.

// Read with the arithmetic built on it: the server's modules take a zone's wall clock from here.
export { localParts } from '../protocol/pure/zonedDate';
export { firstInstant, nextPeriodStart, periodStart, periodStarts, utcOffsetAt } from '../protocol/pure/calendar';

let serverZone: string | undefined;

/** The server's own IANA zone (the process's, read once: resolving it builds an Intl formatter). */
export function serverTimeZone(): string {
  return (serverZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
}
