// User Timing entries of a page's first render, for whoever profiles a load (the browser's performance panel,
// real-user monitoring, the render benchmark): when the dashboard's script started, when the board was mounted, and
// how long the render that first drew the board took. They cost a few microseconds, once per page.

export const TIMING = {
  /** Mark: the dashboard's script has arrived and compiled, and is about to set the page's connection going (early.ts). */
  script: 'ringside:script',
  /** Mark: the board's views exist and its transport is about to start. */
  mounted: 'ringside:mounted',
  /** Measure: the render that first drew the board from a snapshot (its views and charts, laid out and drawn). */
  firstBoardRender: 'ringside:first-board-render',
} as const;

const timed = () => (typeof performance !== 'undefined' && typeof performance.mark === 'function' ? performance : null);

export function markTiming(name: string): void {
  timed()?.mark(name);
}

/**
 * `render`, whose first call made while `ready()` holds is measured as `name` (a User Timing measure from its start to
 * its end); every other call runs it as it is.
 */
export function measuredOnce(name: string, ready: () => boolean, render: () => void): () => void {
  let done = false;
  return () => {
    const clock = timed();
    if (done || !clock || !ready()) return render();
    done = true;
    const start = clock.now();
    render();
    clock.measure(name, { start, end: clock.now() });
  };
}
