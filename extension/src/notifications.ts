// Alert notifications: new firing alerts (live, or missed while disconnected and replayed) become VS Code
// notifications, rate-limited by AlertGate (per incident and level; escalations always notify). A notification
// for one alert offers "Acknowledge"; one that stands for several ("+N more", a summary) offers "Acknowledge All"
// and acknowledges every one of them. "Open Dashboard" opens it filtered to the incident's site and standard.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { AlertGate, alertsOf, type Notification } from './alertNotifier';
import { acknowledgeAlert } from './httpApi';
import type { Messages } from './messages';
import type { Selection } from './selection';
import { notificationSettings } from './settings';

export const OPEN_DASHBOARD_ACTION = 'Open Dashboard';
export const ACKNOWLEDGE_ACTION = 'Acknowledge';
export const ACKNOWLEDGE_ALL_ACTION = 'Acknowledge All';

export interface ShownNotification {
  /** Unique per window; the test API answers a notification by it. */
  id: number;
  text: string;
  actions: string[];
  urgent: boolean;
  /** Exactly what its Acknowledge / Acknowledge All acknowledges. */
  alertIds: number[];
  /** The incident it is about (standard|site), for a single-incident notification. */
  incident: string | null;
  at: string;
}

export interface AcknowledgeResult {
  acknowledged: number[];
  failed: string[];
}

export class AlertNotifications implements vscode.Disposable {
  private readonly gate = new AlertGate();
  private readonly subscription: { dispose(): void };
  private readonly shown: ShownNotification[] = [];
  private readonly handlers = new Map<number, (choice: string | undefined) => Promise<void>>();
  private nextId = 1;

  constructor(
    private readonly connection: RingsideConnection,
    private readonly openDashboard: (selection: Selection) => void,
    private readonly messages: Messages,
  ) {
    this.subscription = connection.onAlerts(({ alerts }) => {
      for (const notification of this.gate.decide(alerts, Date.now(), notificationSettings())) this.show(notification);
    });
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
    const covers = alertsOf(notification);
    const ids = covers.map((a) => a.id);
    const actions = [OPEN_DASHBOARD_ACTION, ids.length === 1 ? ACKNOWLEDGE_ACTION : ACKNOWLEDGE_ALL_ACTION];
    const id = this.nextId++;
    const single = notification.kind === 'alert' ? notification : undefined;
    this.shown.push({ id, text: notification.text, actions, urgent: notification.urgent, alertIds: ids, incident: single?.incidentKey ?? null, at: new Date().toISOString() });
    if (this.shown.length > 200) this.shown.shift();
    const handler = async (choice: string | undefined) => {
      if (choice === OPEN_DASHBOARD_ACTION) this.openDashboard(single ? { site: single.site, standard: single.standardId } : { site: null, standard: null });
      if (choice === ACKNOWLEDGE_ACTION || choice === ACKNOWLEDGE_ALL_ACTION) await this.acknowledge(ids);
    };
    this.handlers.set(id, handler);
    if (this.handlers.size > 200) this.handlers.delete(this.handlers.keys().next().value!);
    const present = notification.urgent ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(present(notification.text, ...actions)).then(handler);
  }

  /** POST /api/v1/alerts/:id/ack for each; says how it went (acknowledging needs a key with scope "read"). */
  async acknowledge(ids: readonly number[]): Promise<AcknowledgeResult> {
    const { serverUrl, apiKey } = this.connection;
    const results = await Promise.allSettled(ids.map((id) => acknowledgeAlert(serverUrl, apiKey, id)));
    const acknowledged = ids.filter((_, i) => results[i]!.status === 'fulfilled');
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length === 0) void this.messages.info(`Ringside: acknowledged ${ids.length === 1 ? 'the alert' : `${ids.length} alerts`}.`);
    else void this.messages.error(`Ringside: could not acknowledge ${failed.length} of ${ids.length}: ${failed[0]}`);
    return { acknowledged, failed };
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
