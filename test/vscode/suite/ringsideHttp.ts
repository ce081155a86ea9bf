// The suite talks to the real server over HTTP, exactly like an integration (PBX, door counter) would,
// with the admin key as `Authorization: Bearer` when the server wants one, and listens to its live feed as a
// second client where it must know what the server did while the extension was not listening.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ComplianceReport, EventInput, Incident, IncidentUpdate, IngestResponse, ServerToClientEvents } from '../../../server/src/protocol';

let defaultKey: string | undefined;

/** The key every helper below sends unless told otherwise (the suite sets it from ringside-test.json). */
export function useApiKey(key: string | undefined): void {
  defaultKey = key;
}

function headers(key: string | undefined, json = false): Record<string, string> {
  return { ...(json ? { 'content-type': 'application/json' } : {}), ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

export async function postEvents(serverUrl: string, events: EventInput[], key: string | undefined = defaultKey): Promise<IngestResponse> {
  const response = await fetch(new URL('/api/v1/events', serverUrl), { method: 'POST', headers: headers(key, true), body: JSON.stringify({ events }) });
  if (!response.ok) throw new Error(`POST /api/v1/events → ${response.status}: ${await response.text()}`);
  return (await response.json()) as IngestResponse;
}

export async function getJson<T>(serverUrl: string, path: string, key: string | undefined = defaultKey): Promise<T> {
  const response = await fetch(new URL(path, serverUrl), { headers: headers(key) });
  if (!response.ok) throw new Error(`GET ${path} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Gives a site a display name as an admin would: `PUT /api/v1/sites/:id` keeping the rest of its settings (a site
 * auto-created by its first event), or `POST /api/v1/sites` for a site the server does not know yet.
 */
export async function nameSite(serverUrl: string, id: string, name: string, key: string | undefined = defaultKey): Promise<void> {
  const existing = await fetch(new URL(`/api/v1/sites/${encodeURIComponent(id)}`, serverUrl), { headers: headers(key) });
  if (existing.status !== 200 && existing.status !== 404) throw new Error(`GET /api/v1/sites/${id} → ${existing.status}: ${await existing.text()}`);
  const site = existing.status === 200 ? ((await existing.json()) as Record<string, unknown>) : undefined;
  const response = await fetch(new URL(site ? `/api/v1/sites/${encodeURIComponent(id)}` : '/api/v1/sites', serverUrl), {
    method: site ? 'PUT' : 'POST',
    headers: headers(key, true),
    body: JSON.stringify({ ...(site ?? { id }), name }),
  });
  if (!response.ok) throw new Error(`${site ? 'PUT' : 'POST'} site ${id} → ${response.status}: ${await response.text()}`);
}

export async function complianceRatio(serverUrl: string, standardId: string, key: string | undefined = defaultKey): Promise<number | null> {
  const report = await getJson<ComplianceReport>(serverUrl, `/api/v1/compliance?standard=${encodeURIComponent(standardId)}`, key);
  const figure = report.standards.find((standard) => standard.standardId === standardId);
  if (!figure) throw new Error(`compliance report has no ${standardId}: ${JSON.stringify(report)}`);
  return figure.ratio;
}

export async function incidents(serverUrl: string, query = '', key: string | undefined = defaultKey): Promise<Incident[]> {
  return (await getJson<{ incidents: Incident[] }>(serverUrl, `/api/v1/incidents${query}`, key)).incidents;
}

/**
 * A live client of its own that resolves with the first incident change matching `wanted` (connected before it
 * returns, so nothing raised after the call is missed). Close it when done.
 */
export async function watchIncidents(serverUrl: string, wanted: (update: IncidentUpdate) => boolean, key: string | undefined = defaultKey): Promise<{ update: Promise<IncidentUpdate>; close(): void }> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(serverUrl, { forceNew: true, transports: ['websocket'], ...(key ? { auth: { token: key } } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const update = new Promise<IncidentUpdate>((resolve) => {
    socket.on('incident', (change) => {
      if (wanted(change)) resolve(change);
    });
  });
  return { update, close: () => socket.disconnect() };
}

let counter = 0;

/** A call with a unique id, so the test can recognise it in the dashboard's feed. */
export function call(rings: number, outcome: 'answered' | 'abandoned' = 'answered', site = 'vscode-suite'): EventInput & { id: string } {
  counter += 1;
  return {
    id: `vscode-suite-${Date.now()}-${counter}`,
    type: 'call',
    site,
    occurredAt: new Date().toISOString(),
    outcome,
    rings,
  };
}

/** A visit with a unique id. */
export function visit(greetSeconds: number, site = 'vscode-suite', outcome: 'greeted' | 'left' = 'greeted'): EventInput & { id: string } {
  counter += 1;
  return { id: `vscode-visit-${Date.now()}-${counter}`, type: 'visit', site, occurredAt: new Date().toISOString(), outcome, greetSeconds };
}

/** One milestone of a case as an integration posts it (POST /api/v1/milestones). */
export interface MilestonePost {
  type: string;
  site: string;
  caseId: string;
  milestone: string;
  at: string;
}

export async function postMilestones(serverUrl: string, milestones: MilestonePost[], key: string | undefined = defaultKey): Promise<unknown> {
  const response = await fetch(new URL('/api/v1/milestones', serverUrl), { method: 'POST', headers: headers(key, true), body: JSON.stringify({ milestones }) });
  if (!response.ok) throw new Error(`POST /api/v1/milestones → ${response.status}: ${await response.text()}`);
  return response.json();
}
