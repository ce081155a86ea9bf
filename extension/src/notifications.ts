// Incident notifications: incidents that opened or escalated (live, or missed while disconnected and replayed) become
// VS Code notifications, rate-limited by IncidentGate (per standard and site and level; escalations always notify).
// A notification for one incident offers "Acknowledge"; one that stands for several (earlier incidents at the same
// place, a summary) offers "Acknowledge All" and acknowledges every one of them, in one request. "Open Dashboard"
// opens it filtered to the incident's site and standard. Breaches (a deadline passing on an open case) notify through
// BreachGate under the same settings, with "Open Dashboard" filtered to their site and standard.
import * as vscode from 'vscode';
import { BreachGate, type BreachNotification } from './breachNotifier';
import type { RingsideConnection } from './connection';
import { IncidentGate, type Notification } from './alertNotifier';
import { acknowledgeIncidents } from './httpApi';
import type { Messages } from './messages';
import { cannotAcknowledge } from './problems';
import type { Selection } from './selection';
import { notificationSettings } from './settings';

const OPEN_DASHBOARD_ACTION = 'Open Dashboard';
const ACKNOWLEDGE_ACTION = 'Acknowledge';
const ACKNOWLEDGE_ALL_ACTION = 'Acknowledge All';

export interface ShownNotification {
  /** Unique per window; the test API answers a notification by it. */
  id: number;
  text: string;
  actions: string[];
  urgent: boolean;
  /** Exactly the incidents its Acknowledge / Acknowledge All acknowledges. */
  incidentIds: number[];
  /** The standard and site it is about (`standardId|site`), for a notification about one place. */
  place: string | null;
  /** An incident notification, or a breach of an open case's deadline. */
  kind: 'incident' | 'breach';
  /** For a breach notification: the cases it stands for (`type|site|caseId|standardId`). */
  breaches?: string[];
  at: string;
}

export interface AcknowledgeResult {
  acknowledged: number[];
  failed: string[];
}

export class AlertNotifications implements vscode.Disposable {
  private readonly gate = new IncidentGate();
  private readonly breachGate = new BreachGate();
  private readonly subscriptions: Array<{ dispose(): void }>;
  private readonly shown: ShownNotification[] = [];
  private readonly handlers = new Map<number, (choice: string | undefined) => Promise<void>>();
  private nextId = 1;

  constructor(
    private readonly connection: RingsideConnection,
    private readonly openDashboard: (selection: Selection) => void,
    private readonly messages: Messages,
  ) {
    this.subscriptions = [
      connection.onIncidents(({ updates }) => {
        for (const notification of this.gate.decide(updates, Date.now(), notificationSettings())) this.show(notification);
      }),
      connection.onClocks(({ breaches }) => {
        const standards = connection.snapshot?.standards ?? [];
        for (const notification of this.breachGate.decide(breaches, Date.now(), notificationSettings(), standards, connection.siteNames)) this.showBreach(notification);
      }),
    ];
  }

  /** Every notification shown so far, oldest first (VS Code has no API to read notifications back). */
  history(): readonly ShownNotification[] {
    return this.shown;
  }

  /** What choosing `action` on notification `id` does (the button's handler; the test API calls it too). */
  async respond(id: number, action: string | undefined): Promise<void> {
    await this.handlers.get(id)?.(action);
  }

  private show(notification: Notification): void {
    const ids = notification.covers.map((i) => i.id);
    const actions = [OPEN_DASHBOARD_ACTION, ids.length === 1 ? ACKNOWLEDGE_ACTION : ACKNOWLEDGE_ALL_ACTION];
    const id = this.nextId++;
    const single = notification.kind === 'incident' ? notification : undefined;
    this.record({ id, text: notification.text, actions, urgent: notification.urgent, incidentIds: ids, place: single?.key ?? null, kind: 'incident', at: new Date().toISOString() });
    const handler = async (choice: string | undefined) => {
      if (choice === OPEN_DASHBOARD_ACTION) this.openDashboard(single ? { site: single.site, standard: single.standardId } : { site: null, standard: null });
      if (choice === ACKNOWLEDGE_ACTION || choice === ACKNOWLEDGE_ALL_ACTION) await this.acknowledge(ids);
    };
    this.handlers.set(id, handler);
    if (this.handlers.size > 200) this.handlers.delete(this.handlers.keys().next().value!);
    const present = notification.urgent ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(present(notification.text, ...actions)).then(handler);
  }

  /** A breach: a warning (a case missed its deadline), with "Open Dashboard" filtered to its site and standard. */
  private showBreach(notification: BreachNotification): void {
    const actions = [OPEN_DASHBOARD_ACTION];
    const id = this.nextId++;
    const single = notification.kind === 'breach' ? notification : undefined;
    const breaches = notification.covers.map((b) => [b.type, b.site, b.caseId, b.standardId].join('|'));
    this.record({ id, text: notification.text, actions, urgent: true, incidentIds: [], place: single?.key ?? null, kind: 'breach', breaches, at: new Date().toISOString() });
    const handler = (choice: string | undefined): Promise<void> => {
      if (choice === OPEN_DASHBOARD_ACTION) this.openDashboard(single ? { site: single.site, standard: single.standardId } : { site: null, standard: null });
      return Promise.resolve();
    };
    this.handlers.set(id, handler);
    if (this.handlers.size > 200) this.handlers.delete(this.handlers.keys().next().value!);
    void Promise.resolve(vscode.window.showWarningMessage(notification.text, ...actions)).then(handler);
  }

  private record(shown: ShownNotification): void {
    this.shown.push(shown);
    if (this.shown.length > 200) this.shown.shift();
  }

  /** POST /api/v1/incidents/ack with exactly these ids (all or nothing); says how it went (needs a key with scope "read"). */
  async acknowledge(ids: readonly number[]): Promise<AcknowledgeResult> {
    const { serverUrl, apiKey } = this.connection;
    const what = ids.length === 1 ? 'the incident' : `${ids.length} incidents`;
    const refused = cannotAcknowledge(serverUrl, this.connection.reconnecting, Date.now());
    if (refused) {
      // Not sent: it could only fail, as a network error that would not say why.
      void this.messages.warning(refused);
      return { acknowledged: [], failed: [refused] };
    }
    try {
      const { incidents } = await acknowledgeIncidents(serverUrl, apiKey, ids);
      void this.messages.info(`Ringside: acknowledged ${what}.`);
      return { acknowledged: incidents.map((i) => i.id), failed: [] };
    } catch (error) {
      void this.messages.error(`Ringside: could not acknowledge ${what}: ${(error as Error).message}`);
      return { acknowledged: [], failed: [(error as Error).message] };
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
