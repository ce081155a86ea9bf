// Coalesces bursts of messages into one render per frame, and at most one render per MIN_RENDER_INTERVAL_MS:
// at 50 events/s the page redraws ~10 times a second instead of 50, each time with every event so far. The interval
// paces the board's redraws only: a render before the board has anything to draw (the page's placeholder while its
// first data is on its way) starts no interval, so the render that first draws the data is the next frame's.

export interface RenderScheduler {
  /** Asks for a render; many requests before the next frame produce one render. */
  request(): void;
  /** Renders now if a render is pending (tests, and the fallback timer). */
  flush(): void;
  cancel(): void;
}

/**
 * A hidden VS Code panel or background tab gets no animation frames, but the host still wants its
 * `rendered` summary, so a timer backs the frame up: whichever fires first renders.
 */
export const FALLBACK_DELAY_MS = 250;
/** The least time between two renders; a wallboard gains nothing from redrawing faster than this. */
export const MIN_RENDER_INTERVAL_MS = 100;

/**
 * `paced`: whether the render about to run counts for the interval (default: every render); asked at each render,
 * so a caller says whether that one drew what the interval paces.
 */
export function createRenderScheduler(render: () => void, minIntervalMs = MIN_RENDER_INTERVAL_MS, paced: () => boolean = () => true): RenderScheduler {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastRender = -Infinity;

  const cancel = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
  };
  const flush = () => {
    if (frame === null && timer === null) return;
    cancel();
    if (paced()) lastRender = performance.now();
    render();
  };
  const onFrame = () => {
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, FALLBACK_DELAY_MS);
  };
  const request = () => {
    if (frame !== null || timer !== null) return;
    const wait = lastRender + minIntervalMs - performance.now();
    if (wait > 0) {
      // Too soon after the last render: wait out the interval, then take the next frame.
      timer = setTimeout(() => {
        timer = null;
        onFrame();
      }, wait);
      return;
    }
    onFrame();
  };
  return { request, flush, cancel };
}
