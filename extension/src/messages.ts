// The extension's own notifications (information, warning, error), recorded as they are shown: VS Code has no API
// to read notifications back, and the test API lists them (testApi.ts). Choosing a button resolves as usual.
import * as vscode from 'vscode';

export type MessageSeverity = 'info' | 'warning' | 'error';

export interface ShownMessage {
  severity: MessageSeverity;
  text: string;
  actions: string[];
  at: string;
}

const LIMIT = 200;

export class Messages {
  private readonly shown: ShownMessage[] = [];
  private readonly changes = new vscode.EventEmitter<void>();
  readonly onDidShow = this.changes.event;

  history(): readonly ShownMessage[] {
    return this.shown;
  }

  info(text: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('info', text, actions);
  }

  warning(text: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('warning', text, actions);
  }

  error(text: string, ...actions: string[]): Thenable<string | undefined> {
    return this.show('error', text, actions);
  }

  private show(severity: MessageSeverity, text: string, actions: string[]): Thenable<string | undefined> {
    this.shown.push({ severity, text, actions, at: new Date().toISOString() });
    if (this.shown.length > LIMIT) this.shown.shift();
    const present = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const answer = present(text, ...actions);
    this.changes.fire();
    return answer;
  }

  dispose(): void {
    this.changes.dispose();
  }
}
