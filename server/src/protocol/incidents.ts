// Incidents as the API, the live push and webhooks carry them (docs/alerts.md): one per standard and site, opened
// at a severity, escalated and de-escalated in place, recovered; every change is an append-only change row with a
// global sequence number (the replay cursor).

/** Red: act now (a red band or a fast error-budget burn). Amber: look soon (an amber band or a slow burn). */
export type IncidentSeverity = 'amber' | 'red';
export type IncidentState = 'open' | 'recovered';
export type IncidentChangeKind = 'opened' | 'escalated' | 'de-escalated' | 'recovered' | 'acknowledged';

/** One measured window: its counts and ratio, and (burn-rate pairs) how fast it spends the error budget. */
export interface MeasuredWindow {
  /** "1h", "5m", "6h", "30m", "1d", "2h", "3d". */
  name: string;
  /** The window is [at − durationMs, at). */
  durationMs: number;
  counted: number;
  met: number;
  /** met / counted; null when nothing was counted. */
  compliance: number | null;
  /** (1 − compliance) / (1 − target); null when nothing was counted or the target leaves no budget. */
  burnRate?: number | null;
  /**
   * The standard versions that judged the events counted, oldest first ([] when nothing was counted; absent on
   * changes written before windows named them).
   */
  versions?: number[];
}

/** The band condition: compliance over the band window against the standard's bands. */
export interface BandDetail {
  window: MeasuredWindow;
  amberBelow: number;
  redBelow: number;
  /** What the band asks for after hysteresis and the minimum sample (null: green, or too little data to say). */
  severity: IncidentSeverity | null;
}

/** One multi-window burn-rate rule: fires when both windows burn faster than `factor`. */
export interface BurnDetail {
  /** red = a fast burn (the workbook's "page"), amber = a slow one ("ticket"). */
  severity: IncidentSeverity;
  factor: number;
  long: MeasuredWindow;
  short: MeasuredWindow;
  status: 'fire' | 'clear' | 'unknown';
}

/** The SRE view behind an incident's summary ("one click away"). */
export interface IncidentDetail {
  band: BandDetail;
  burnRates: BurnDetail[];
  /** What the burn-rate rules ask for together, after holds for thin data (null: nothing). */
  burnSeverity: IncidentSeverity | null;
  /** The same in words, one line per condition. */
  lines: string[];
}

/** One change of an incident (append-only). */
export interface IncidentChange {
  /** Global, increasing: the replay cursor. */
  seq: number;
  incidentId: number;
  kind: IncidentChangeKind;
  at: string;
  /** The incident's severity after the change. */
  severity: IncidentSeverity;
  /** Before the change (null when it opened). */
  previousSeverity: IncidentSeverity | null;
  summary: string;
  detail: IncidentDetail;
  /** Who acknowledged (acknowledged changes): the body's `by`, else the API key's name. */
  by: string | null;
}

/** What an incident is about: a standard at a site, as named and targeted when the incident last changed. */
export interface IncidentSubject {
  standardId: string;
  /**
   * The newest standard version that judged the figure the summary states when the incident last changed (the
   * version in force then, when that window counted nothing).
   */
  standardVersion: number;
  site: string;
  /** The site's display name when the incident last changed. */
  siteName: string;
  /** The short label of the versions that judged that figure ("Calls ≤ 2 rings"; several: "Calls ≤ 20 s / 25 s"). */
  standardLabel: string;
  target: number;
}

/** An incident's current state. */
export interface Incident extends IncidentSubject {
  id: number;
  state: IncidentState;
  /** Now (open), or when it recovered. */
  severity: IncidentSeverity;
  /** The worst it reached. */
  peakSeverity: IncidentSeverity;
  openedAt: string;
  /** The latest change that was not an acknowledgement. */
  changedAt: string;
  recoveredAt: string | null;
  /** Set while an acknowledgement covers the current severity; cleared when the incident escalates beyond it. */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedSeverity: IncidentSeverity | null;
  /** The plain line to read first: "Harbour calls: 84.0 % answered within 2 rings in the last hour — target 90 %". */
  summary: string;
  detail: IncidentDetail;
  /** The seq of its newest change. */
  lastChangeSeq: number;
}

/** GET /api/v1/incidents/:id: the incident with its changes, oldest first, and their webhook deliveries. */
export interface IncidentWithChanges extends Incident {
  changes: IncidentChange[];
  /** One per change and webhook URL (acknowledgements have none), oldest first: what became of each page. */
  deliveries: IncidentDelivery[];
}

/** A webhook delivery as an operator sees it: where (no credentials, no query), and how it stands. */
export interface IncidentDelivery {
  /** What the receiver got as `x-ringside-delivery`. */
  id: number;
  changeSeq: number;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** The last failed attempt's error (`HTTP 500`, `timed out after 5000 ms`, …); null once delivered. */
  lastError: string | null;
  /** When the next attempt is due; null once finished. */
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** POST /api/v1/incidents/ack */
export interface IncidentList {
  incidents: Incident[];
}

/**
 * GET /api/v1/incidents: the most recently opened incidents the query selects, oldest first; `complete` false when
 * more were opened before the first of them (the next page: `before` = its id).
 */
export interface IncidentPage extends IncidentList {
  complete: boolean;
}

/** A change and the incident as it is after it: the `incident` socket event, replay answers, webhook bodies. */
export interface IncidentUpdate {
  change: IncidentChange;
  incident: Incident;
}

/** The JSON body POSTed to each webhook URL for every change but acknowledgements (same body on every retry). */
export interface IncidentWebhookBody extends IncidentUpdate {
  type: 'ringside.incident';
}

/** POST /api/v1/incidents/ack */
export interface BulkAcknowledgement {
  ids: number[];
  by?: string;
}
