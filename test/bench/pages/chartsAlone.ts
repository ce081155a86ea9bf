// The render case's second floor: a page that draws nothing but the dashboard's compliance charts, with the
// dashboard's own chart module and Chart.js, from the first paint the server wrote into the page (the same HTML the
// dashboard gets). What the charts alone cost a fresh page on this machine, beside the whole board's first render.
import { bandsOf } from '../../../server/src/protocol/pure';
import { readTheme } from '../../../webview/src/theme';
import { readFirstPaint } from '../../../webview/src/transport/socket';
import { createComplianceChart } from '../../../webview/src/views/compliance-chart';

function drawCharts(): void {
  const paint = readFirstPaint(document);
  const report = paint?.report?.body;
  if (!paint || !report) throw new Error('the page carries no first paint with a report');
  const theme = readTheme();
  const host = document.getElementById('app') ?? document.body;
  host.style.cssText = 'display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:16px';
  const range = { min: Date.parse(report.from), max: Date.parse(report.to) };
  for (const figure of report.standards) {
    const standard = paint.snapshot.standards.find((s) => s.id === figure.standardId);
    if (!standard) continue;
    const panel = document.createElement('section');
    panel.className = 'rs-chart-panel';
    panel.style.cssText = 'position:relative;height:260px';
    const note = document.createElement('p');
    note.className = 'rs-chart-note';
    const canvas = document.createElement('canvas');
    panel.append(note, canvas);
    host.append(panel);
    createComplianceChart(canvas, theme).update({ standard, bands: bandsOf(standard), range, mode: report.bucket ?? 'hour', points: figure.series ?? [] });
    // As the dashboard does once a chart holds its points: the page's check reads these.
    note.hidden = true;
    panel.dataset['status'] = 'ok';
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', drawCharts, { once: true });
else drawCharts();
