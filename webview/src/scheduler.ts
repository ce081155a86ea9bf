// Coalesces bursts of messages into one render per frame.

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

export function createRenderScheduler(render: () => void): RenderScheduler {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const cancel = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = null;
    timer = null;
  };
  const flush = () => {
    if (frame === null && timer === null) return;
    cancel();
    render();
  };
  const request = () => {
    if (frame !== null || timer !== null) return;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, FALLBACK_DELAY_MS);
  };
  return { request, flush, cancel };
}
