// Alert notifications: new firing alerts (live, or missed while disconnected and replayed) become VS Code
// notifications with "Open Dashboard" and "Acknowledge"; rate-limited by AlertGate; muted by settings.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { AlertGate, type Notification } from './alertNotifier';
import { acknowledgeAlert } from './httpApi';
import { notificationSettings } from './settings';

export const OPEN_DASHBOARD_ACTION = 'Open Dashboard';
export const ACKNOWLEDGE_ACTION = 'Acknowledge';

export interface ShownNotification {
  text: string;
  actions: string[];
  urgent: boolean;
  alertIds: number[];
  at: string;
}

export class AlertNotifications implements vscode.Disposable {
  private readonly gate = new AlertGate();
  private readonly subscription: { dispose(): void };
  private readonly shown: ShownNotification[] = [];

  constructor(
    private readonly connection: RingsideConnection,
    private readonly openDashboard: () => void,
  ) {
    this.subscription = connection.onAlerts(({ alerts }) => {
      for (const notification of this.gate.decide(alerts, Date.now(), notificationSettings())) this.show(notification);
    });
  }

  /** Every notification shown so far, oldest first (VS Code has no API to read notifications back). */
  history(): readonly ShownNotification[] {
    return this.shown;
  }

  private show(notification: Notification): void {
    const ackable = notification.kind === 'alert' ? notification.covers : notification.alerts;
    const actions = [OPEN_DASHBOARD_ACTION, ACKNOWLEDGE_ACTION];
    this.shown.push({ text: notification.text, actions, urgent: notification.urgent, alertIds: ackable.map((a) => a.id), at: new Date().toISOString() });
    if (this.shown.length > 200) this.shown.shift();
    const present = notification.urgent ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(present(notification.text, ...actions)).then(async (choice) => {
      if (choice === OPEN_DASHBOARD_ACTION) this.openDashboard();
      if (choice === ACKNOWLEDGE_ACTION) await this.acknowledge(ackable.map((a) => a.id));
    });
  }

  /** POST /api/v1/alerts/:id/ack for each; says how it went (acknowledging needs a key with scope admin). */
  async acknowledge(ids: readonly number[]): Promise<void> {
    const { serverUrl, apiKey } = this.connection;
    const results = await Promise.allSettled(ids.map((id) => acknowledgeAlert(serverUrl, apiKey, id)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length === 0) {
      void vscode.window.showInformationMessage(`Ringside: acknowledged ${ids.length === 1 ? 'the alert' : `${ids.length} alerts`}.`);
    } else {
      void vscode.window.showErrorMessage(`Ringside: could not acknowledge: ${failed[0]}`);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
