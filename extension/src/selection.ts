// The dashboard selection the host sends (`select`) and finds in the page's saved state. Pure, no `vscode`.
import type { DashboardSelection } from '@ringside/server/protocol';

export type Selection = Partial<DashboardSelection>;

/** The selection inside the page's saved state: `{ selection: {...} }` or the selection itself. */
export function selectionFromState(state: unknown): Selection | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const inner = (state as { selection?: unknown }).selection;
  const candidate = (typeof inner === 'object' && inner !== null ? inner : state) as Record<string, unknown>;
  const selection: Selection = {};
  for (const key of ['window', 'from', 'to', 'site', 'standard'] as const) {
    const value = candidate[key];
    if (typeof value === 'string' || value === null) (selection as Record<string, unknown>)[key] = value;
  }
  return Object.keys(selection).length > 0 ? selection : undefined;
}
