// The keyboard's way into a chart's points, as Britecharts' keyboard helper and Frappe Charts' isNavigable do it: the
// canvas is one tab stop; with the focus on it, ←/→ move to the previous/next point that has a value and Home/End to
// the first/last, and the point is shown as the pointer shows it (its elements active, Chart.js's tooltip over it),
// its words put in a polite live region beside the canvas for screen readers. Escape, or the focus leaving, hides it.
// When the chart's data changes meanwhile (the live hour every minute) the point shown stays at its place on the
// chart (its minute, its bin), or moves to the nearest one left. The compliance charts and the distributions use it.
import { Chart, type ActiveDataPoint } from 'chart.js';
import { el } from './dom';

/** A point the keys can show: where it lies on the chart's own axis (a time, a bin's index), the elements shown, its words. */
export interface KeyStop {
  at: number;
  elements: ActiveDataPoint[];
  words(): string;
}

export interface ChartKeys {
  /** Call after the chart's data changed and it was updated: the point shown follows its place. */
  follow(): void;
}

/** The chart's active elements and tooltip: `elements`, none to hide them. */
function activate(chart: Chart, elements: ActiveDataPoint[]): void {
  chart.setActiveElements(elements);
  // Cleared first, then set even when it is the same point: its figures may have changed, and a tooltip whose
  // elements did not change keeps its old text.
  chart.tooltip?.setActiveElements([], { x: 0, y: 0 });
  const first = elements[0];
  const element = first ? chart.getDatasetMeta(first.datasetIndex).data[first.index] : undefined;
  if (element) chart.tooltip?.setActiveElements(elements, { x: element.x, y: element.y });
  chart.render();
}

/** The stop at `at`, else the nearest to it. */
function nearest(list: readonly KeyStop[], at: number): number {
  let best = 0;
  for (let i = 1; i < list.length; i++) if (Math.abs(list[i]!.at - at) < Math.abs(list[best]!.at - at)) best = i;
  return best;
}

/** Where `key` goes from the stop at index `at` (null: none shown yet) of `count`; undefined: not a key of the chart's. */
function nextIndex(key: string, at: number | null, count: number): number | undefined {
  const last = count - 1;
  // With nothing shown yet, → starts at the first point and ← at the last (the latest).
  if (key === 'ArrowRight') return at === null ? 0 : Math.min(at + 1, last);
  if (key === 'ArrowLeft') return at === null ? last : Math.max(at - 1, 0);
  if (key === 'Home') return 0;
  if (key === 'End') return last;
  return undefined;
}

/**
 * A polite live region beside the canvas, not in it: a canvas's children are only read where the canvas is not drawn.
 * A canvas that joins the page later gets its region on its first focus, before anything is said in it.
 */
function liveRegion(canvas: HTMLCanvasElement): HTMLElement {
  const region = el('p', 'rs-sr-only rs-chart-said');
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  const place = () => {
    if (!region.isConnected && canvas.parentElement) canvas.after(region);
  };
  place();
  canvas.addEventListener('focus', place);
  return region;
}

/**
 * Makes `canvas` a tab stop whose arrow keys walk `stops()` (in order, left to right) of the chart drawn on it, once
 * there is one.
 */
export function createChartKeys(canvas: HTMLCanvasElement, stops: () => KeyStop[]): ChartKeys {
  // The chart on the canvas now: none before it is made, nor after it was destroyed (the focus leaving a dashboard
  // being taken down must not draw on it).
  const chart = () => Chart.getChart(canvas) ?? null;
  canvas.tabIndex = 0;
  const region = liveRegion(canvas);
  /** Where the point shown lies (KeyStop.at); null: none shown by the keys. */
  let current: number | null = null;

  const show = (target: Chart, stop: KeyStop, say: boolean) => {
    current = stop.at;
    activate(target, stop.elements);
    if (say) region.textContent = stop.words();
  };

  const hide = () => {
    if (current === null) return;
    current = null;
    region.textContent = '';
    const target = chart();
    if (target) activate(target, []);
  };

  canvas.addEventListener('blur', hide);
  // The pointer takes over: the chart's own hovering shows what it points at, and updates do not take it back.
  canvas.addEventListener('pointermove', () => (current = null));
  canvas.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === 'Escape' && current !== null) {
      event.preventDefault();
      hide();
      return;
    }
    const target = chart();
    const list = target ? stops() : [];
    const index = nextIndex(event.key, current === null ? null : nearest(list, current), list.length);
    if (!target || list.length === 0 || index === undefined) return;
    // The page does not scroll under these keys while they move the point.
    event.preventDefault();
    show(target, list[index]!, true);
  });

  return {
    follow() {
      if (current === null) return;
      const target = chart();
      const list = target ? stops() : [];
      if (!target || list.length === 0) {
        hide();
        return;
      }
      const stop = list[nearest(list, current)]!;
      // Said again only when the point moved (the one shown went): a minute's figures change with every event, and
      // a polite region rewritten at that pace would keep the reader talking.
      show(target, stop, stop.at !== current);
    },
  };
}
