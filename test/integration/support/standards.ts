// Standards as a PUT sends them: every field named (a PUT replaces the whole definition and refuses one left out).
import { defaultBands } from '../../../server/src/protocol';
import { DEFAULT_WINDOWS } from '../../../server/src/domain/standards';

/** `def` with every field it leaves out named at the value a POST of `def` gets for it. */
export function wholeStandard<D extends { target: number }>(def: D): Record<string, unknown> & D {
  return { operator: '<=', formula: 'F3', shortAbandonSeconds: null, scope: {}, bands: defaultBands(def.target), windows: DEFAULT_WINDOWS, countOutsideHours: false, clock: 'wall', ...def };
}
