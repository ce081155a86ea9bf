// The text alternative of a chart: a real table inside a <details> ("Show as table"), so screen readers and
// keyboard users get every figure, and sighted users can open it too.
import { el, setText } from './dom';

export interface DataTable {
  root: HTMLDetailsElement;
  table: HTMLTableElement;
  update(rows: string[][]): void;
  /** The column headings anew (a heading that names whose clock its times are). */
  setColumns(columns: readonly string[]): void;
  /** The caption anew (the standard named as the panel names it for the range shown). */
  setCaption(caption: string): void;
}

/** Cap on rows, so a 30-day hourly table stays a usable document (the caption says when rows were left out). */
const TABLE_ROW_LIMIT = 1000;

export function createDataTable(initialCaption: string, columns: readonly string[]): DataTable {
  let caption = initialCaption;
  const root = el('details', 'rs-table-toggle');
  const summary = el('summary', 'rs-table-summary', 'Show as table');
  root.append(summary);
  const table = el('table', 'rs-data-table');
  const captionNode = table.createCaption();
  /** "(latest N of M)" after the caption when rows were left out, else empty. */
  let leftOut = '';
  const drawCaption = () => {
    setText(captionNode, `${caption}${leftOut}`);
    // Each toggle names its chart: tabbing through four of them, a screen reader said "Show as table" four times.
    summary.setAttribute('aria-label', `Show as table: ${caption}`);
  };
  drawCaption();
  const head = el('tr');
  const headings = columns.map((c) => {
    const th = el('th', undefined, c);
    th.scope = 'col';
    return th;
  });
  head.append(...headings);
  table.createTHead().append(head);
  const body = table.createTBody();
  root.append(table);
  let last = '';
  return {
    root,
    table,
    setColumns(next) {
      next.forEach((text, i) => {
        if (headings[i]) setText(headings[i], text);
      });
    },
    setCaption(next) {
      caption = next;
      drawCaption();
    },
    update(rows) {
      const shown = rows.slice(-TABLE_ROW_LIMIT);
      const key = JSON.stringify(shown);
      if (key === last) return;
      last = key;
      body.replaceChildren(
        ...shown.map((cells) => {
          const tr = el('tr');
          cells.forEach((text, i) => {
            const cell = i === 0 ? el('th') : el('td');
            if (i === 0) (cell).scope = 'row';
            setText(cell, text);
            tr.append(cell);
          });
          return tr;
        }),
      );
      leftOut = rows.length > shown.length ? ` (latest ${shown.length} of ${rows.length})` : '';
      drawCaption();
    },
  };
}
