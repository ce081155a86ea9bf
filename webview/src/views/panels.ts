// A panel per visible standard that lives as long as the standard is shown: a title, a meta line, one chart (its
// canvas with a note over it for loading, errors and "no events") and the chart's table alternative. The compliance
// charts and the distribution charts each keep one set of these.
import type { Standard } from '@ringside/server/protocol';
import { createDataTable, type DataTable } from './data-table';
import { el } from './dom';
import { createPanelHeader } from './parts';

export interface StandardPanel<C> {
  root: HTMLElement;
  title: HTMLElement;
  meta: HTMLElement;
  note: HTMLElement;
  canvas: HTMLCanvasElement;
  table: DataTable;
  /**
   * Created once the panel is in the document (Chart.js sizes itself from its container then): by the panel set,
   * or by the view once it has data to show (a panel set made without createChart).
   */
  chart: C | null;
  /** The inputs of the last update, to skip charts whose data did not change. */
  drawn: unknown[] | null;
  /**
   * Names the standard in the table's caption as the view names it for the range shown (the name of the version in
   * force at its end, `windowRule`): a standard renamed since reads in the caption as on the panel.
   */
  setName(name: string): void;
}

export interface PanelLook {
  /** Extra class of the panel (its kind), of the chart's box and of the note. */
  panelClass: string;
  boxClass?: string;
  noteClass?: string;
  /** What the note says before the first render. */
  note: string;
  /** The table's caption after the standard's name (`<name>: <caption>`), and its column headings. */
  caption: string;
  columns: string[];
}

export function createStandardPanel<C>(standard: Standard, look: PanelLook): StandardPanel<C> {
  const root = el('article', `rs-panel ${look.panelClass}`);
  root.dataset['standardId'] = standard.id;
  const { header, title, meta } = createPanelHeader();
  const box = el('div', `rs-chart-box${look.boxClass ? ` ${look.boxClass}` : ''}`);
  const canvas = el('canvas', 'rs-chart');
  canvas.setAttribute('role', 'img');
  const note = el('div', `rs-chart-note${look.noteClass ? ` ${look.noteClass}` : ''}`, look.note);
  box.append(canvas, note);
  const caption = (name: string) => `${name}: ${look.caption}`;
  const table = createDataTable(caption(standard.name), look.columns);
  root.append(header, box, table.root);
  return { root, title, meta, note, canvas, table, chart: null, drawn: null, setName: (name) => table.setCaption(caption(name)) };
}

export interface PanelSet<C, P extends StandardPanel<C>> {
  /** The panels for `standards`, in order: panels of standards no longer shown are dropped with their charts. */
  show(standards: Standard[]): Array<[Standard, P]>;
  panels(): IterableIterator<P>;
  /** standardId → its chart (tests and debugging). */
  charts(): Map<string, C>;
  destroy(): void;
}

export function createPanelSet<C extends { destroy(): void }, P extends StandardPanel<C>>(
  container: HTMLElement,
  createPanel: (standard: Standard) => P,
  createChart?: (canvas: HTMLCanvasElement) => C,
): PanelSet<C, P> {
  const panels = new Map<string, P>();
  let shown: Standard[] | null = null;

  const sync = (standards: Standard[]) => {
    for (const [id, panel] of panels) {
      if (standards.some((s) => s.id === id)) continue;
      panel.chart?.destroy();
      panels.delete(id);
    }
    for (const s of standards) if (!panels.has(s.id)) panels.set(s.id, createPanel(s));
    container.replaceChildren(...standards.map((s) => panels.get(s.id)!.root));
    if (createChart) for (const panel of panels.values()) panel.chart ??= createChart(panel.canvas);
  };

  return {
    show(standards) {
      if (!shown || standards.length !== shown.length || standards.some((s, i) => s !== shown![i])) {
        shown = standards;
        sync(standards);
      }
      return standards.map((s) => [s, panels.get(s.id)!]);
    },
    panels: () => panels.values(),
    charts() {
      const charts = new Map<string, C>();
      for (const [id, panel] of panels) if (panel.chart) charts.set(id, panel.chart);
      return charts;
    },
    destroy() {
      for (const panel of panels.values()) panel.chart?.destroy();
      panels.clear();
    },
  };
}
