// One multi-step quick input (the pattern of VS Code's own multi-step samples): each step is a QuickPick or an
// InputBox in the same place, titled once, numbered ("2/4"), with a Back button from the second step on.
import * as vscode from 'vscode';
import type { QuickPickTracker } from './quickPicks';

/** Returned by a step when the user pressed Back. */
export const BACK = Symbol('back');
export type StepResult<T> = T | typeof BACK | undefined;

export interface StepPosition {
  title: string;
  step: number;
  totalSteps: number;
}

function backButtons(position: StepPosition): vscode.QuickInputButton[] {
  return position.step > 1 ? [vscode.QuickInputButtons.Back] : [];
}

/** One pick (or several, with canSelectMany: confirm with Enter). Resolves BACK, the choice, or undefined (Esc). */
export function pickStep<T extends vscode.QuickPickItem>(
  tracker: QuickPickTracker,
  position: StepPosition,
  options: { items: T[]; placeholder: string; canSelectMany?: boolean; selected?: readonly T[]; active?: T },
): Promise<StepResult<T[]>> {
  const pick = tracker.track(vscode.window.createQuickPick<T>());
  Object.assign(pick, position, { placeholder: options.placeholder, ignoreFocusOut: true, buttons: backButtons(position), canSelectMany: options.canSelectMany ?? false, matchOnDescription: true });
  pick.items = options.items;
  if (options.selected) pick.selectedItems = options.selected;
  if (options.active) pick.activeItems = [options.active];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: StepResult<T[]>) => {
      if (settled) return;
      settled = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && settle(BACK));
    pick.onDidAccept(() => settle(pick.canSelectMany ? [...pick.selectedItems] : pick.activeItems.slice(0, 1)));
    pick.onDidHide(() => settle(undefined));
    pick.show();
  });
}

/** One line of text, validated as typed. Resolves BACK, the text, or undefined (Esc). */
export function inputStep(
  tracker: QuickPickTracker,
  position: StepPosition,
  options: { prompt: string; value?: string; placeholder?: string; validate: (value: string) => string | undefined },
): Promise<StepResult<string>> {
  const input = tracker.track(vscode.window.createInputBox());
  Object.assign(input, position, { prompt: options.prompt, value: options.value ?? '', placeholder: options.placeholder, ignoreFocusOut: true, buttons: backButtons(position) });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: StepResult<string>) => {
      if (settled) return;
      settled = true;
      resolve(value);
      input.dispose();
    };
    input.onDidChangeValue((value) => (input.validationMessage = value ? options.validate(value) : undefined));
    input.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && settle(BACK));
    input.onDidAccept(() => {
      const problem = options.validate(input.value);
      if (problem) input.validationMessage = problem;
      else settle(input.value);
    });
    input.onDidHide(() => settle(undefined));
    input.show();
  });
}
