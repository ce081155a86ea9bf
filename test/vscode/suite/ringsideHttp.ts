// The suite talks to the real server over HTTP, exactly like an integration (PBX, door counter) would.
import type { ComplianceReport, EventInput, IngestResponse } from '../../../server/src/protocol';

export async function postEvents(serverUrl: string, events: EventInput[]): Promise<IngestResponse> {
  const response = await fetch(new URL('/api/v1/events', serverUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  if (!response.ok) throw new Error(`POST /api/v1/events → ${response.status}: ${await response.text()}`);
  return (await response.json()) as IngestResponse;
}

export async function complianceRatio(serverUrl: string, standardId: string): Promise<number | null> {
  const response = await fetch(new URL(`/api/v1/compliance?standard=${encodeURIComponent(standardId)}`, serverUrl));
  if (!response.ok) throw new Error(`GET /api/v1/compliance → ${response.status}: ${await response.text()}`);
  const report = (await response.json()) as ComplianceReport;
  const figure = report.standards.find((standard) => standard.standardId === standardId);
  if (!figure) throw new Error(`compliance report has no ${standardId}: ${JSON.stringify(report)}`);
  return figure.ratio;
}

let counter = 0;

/** A call with a unique id, so the test can recognise it in the dashboard's feed. */
export function call(rings: number, outcome: 'answered' | 'abandoned' = 'answered'): EventInput & { id: string } {
  counter += 1;
  return {
    id: `vscode-suite-${Date.now()}-${counter}`,
    type: 'call',
    site: 'vscode-suite',
    occurredAt: new Date().toISOString(),
    outcome,
    rings,
  };
}

/** The dashboard's wording for a ratio (webview/src/format.ts). */
export function percentText(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`;
}
