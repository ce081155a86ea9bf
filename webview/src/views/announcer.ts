// What a screen reader is told of news on the board (a breach, an incident opening), in a polite live region: it
// waits for the reader to finish what they are reading instead of cutting in, and it speaks at most once every
// ANNOUNCE_QUIET_MS. News arriving meanwhile is held and told together when the quiet time is over ("…, and 4
// more"): in a busy spell breaches come every few seconds, and a sentence for each would queue up faster than a
// reader can hear them, holding back whatever else the page says.
import { TICK_MS, type Ticker } from '../ticker';
import { el } from './dom';

/** The least time between two announcements of one announcer. */
export const ANNOUNCE_QUIET_MS = 15_000;

export interface Announcer<T> {
  /** News to tell: at once if the announcer has been quiet long enough, else with the next announcement. */
  tell(items: readonly T[]): void;
  destroy(): void;
}

/** An announcer in `parent`; `words` makes the one sentence for everything held (never empty). */
export function createAnnouncer<T>(parent: HTMLElement, className: string, ticker: Ticker, words: (items: readonly T[]) => string): Announcer<T> {
  const region = el('p', `rs-sr-only ${className}`);
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  parent.append(region);
  let held: T[] = [];
  let saidAt = -Infinity;
  // Ticks only while news is held.
  let waiting: (() => void) | null = null;
  const speak = () => {
    if (held.length === 0 || ticker.now() - saidAt < ANNOUNCE_QUIET_MS) return;
    region.textContent = words(held);
    held = [];
    saidAt = ticker.now();
    waiting?.();
    waiting = null;
  };
  return {
    tell(items) {
      if (items.length === 0) return;
      held.push(...items);
      speak();
      if (held.length > 0) waiting ??= ticker.every(TICK_MS, speak);
    },
    destroy() {
      waiting?.();
      waiting = null;
    },
  };
}
