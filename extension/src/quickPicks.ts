// The extension's own quick picks, tracked while they are open: VS Code has no API to read a quick pick back, and
// the test API shows what the user sees (title, step, items) so a test can check it and answer with VS Code's own
// quick-input commands (accept, back).
import * as vscode from 'vscode';

export interface QuickPickView {
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  placeholder: string | undefined;
  items: Array<{ label: string; description?: string | undefined; detail?: string | undefined }>;
  /** Tooltips of its buttons ("Back"). */
  buttons: string[];
  canSelectMany: boolean;
}

export class QuickPickTracker {
  private active: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox | undefined;
  private listeners = new Set<() => void>();

  /** Fires when a tracked quick pick opens, changes step or closes. */
  readonly onDidChange = (listener: () => void): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  track<T extends vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox>(input: T): T {
    this.active = input;
    input.onDidHide(() => {
      if (this.active === input) this.active = undefined;
      this.changed();
    });
    this.changed();
    return input;
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  view(): QuickPickView | undefined {
    const input = this.active;
    if (!input) return undefined;
    const items = 'items' in input ? input.items.map((i) => ({ label: i.label, description: i.description, detail: i.detail })) : [];
    return {
      title: input.title,
      step: input.step,
      totalSteps: input.totalSteps,
      placeholder: input.placeholder,
      items,
      buttons: input.buttons.map((b) => (b === vscode.QuickInputButtons.Back ? 'Back' : (b.tooltip ?? ''))),
      canSelectMany: 'canSelectMany' in input ? input.canSelectMany : false,
    };
  }
}
