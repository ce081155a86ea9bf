// The page's time source for what moves on its own between two messages (the countdowns of open cases): the
// system clock by default; tests hand the dashboard a manual one and move it.

export interface Ticker {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemTicker: Ticker = {
  now: () => Date.now(),
  every(ms, fn) {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};

/** How often the countdowns and waits advance. */
export const TICK_MS = 1000;
