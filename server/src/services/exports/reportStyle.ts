// The report's one style sheet, for the screen and for print (A4, page numbers and a running header in the page
// margins, table heads repeated on every page a table runs onto, no row or heading left alone at a page's foot),
// and the Content-Security-Policy that allows exactly it, by its SHA-256.
import { createHash } from 'node:crypto';
import { cssString } from './reportText';

const BASE = `body{font:12.5px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;max-width:1000px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;border-bottom:2px solid #333;padding-bottom:2px;margin:26px 0 8px}h3{font-size:14px;margin:16px 0 6px}
h2,h3{break-after:avoid;page-break-after:avoid}small{font-weight:normal;color:#555}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:11.5px}th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}
th{background:#eee}thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}
tr.running th{background:#fff;border:0;border-bottom:1px solid #bbb;font-weight:normal;color:#555;font-size:10px;padding:0 0 2px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.nw{white-space:nowrap}.utc{color:#555}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.warn{color:#e65100}.muted,.note{color:#555}.note{font-size:11px}
pre{margin:0;font-size:9.5px;white-space:pre-wrap;word-break:break-all}code{font-size:10.5px;word-break:break-all}
figure{margin:0 0 10px}figcaption{font-size:10.5px;color:#444}ul.legend{margin:2px 0 0;padding-left:18px}.chart{break-inside:avoid;page-break-inside:avoid}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}dt{font-weight:600}dd{margin:0}
.cover .org{font-size:17px;margin:0 0 18px}p.lead{break-after:avoid;page-break-after:avoid;margin-bottom:2px}
.summary-end{break-after:page;page-break-after:always}
tr.closed td,tr.closed-data td{background:#eceff1;color:#455a64}tr.nodata td{background:#fff3e0}
table.days{width:auto;min-width:50%}table.signoff td{height:34px}table.formulas th{width:3em}`;

const PRINT = `@media print{body{margin:0;max-width:none;padding:0;font-size:10.5px}table{font-size:9.5px}h2{margin-top:18px}
a{color:inherit;text-decoration:none}}`;

/** The page box: A4, the running header and footer in its margins (CSS paged media; Chromium 131+, Firefox 128+ print them). */
function pageRules(header: { title: string; period: string; reportId: string }): string {
  const box = 'font:8.5px system-ui,sans-serif;color:#555';
  return `@page{size:A4;margin:16mm 12mm 15mm 12mm;
@top-left{content:${cssString(header.title)};${box}}
@top-right{content:${cssString(header.period)};${box}}
@bottom-left{content:${cssString(`Report ${header.reportId}`)};${box}}
@bottom-right{content:"Page " counter(page) " of " counter(pages);${box}}}`;
}

export function reportStyle(header: { title: string; period: string; reportId: string }): { css: string; contentSecurityPolicy: string } {
  const css = `${BASE}\n${PRINT}\n${pageRules(header)}`;
  const hash = createHash('sha256').update(css, 'utf8').digest('base64');
  // Nothing but the style: no scripts, no requests (the SVG is inline), no framing by other sites.
  const contentSecurityPolicy = `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  return { css, contentSecurityPolicy };
}
