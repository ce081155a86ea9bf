// What a standard is, as seen on the wire. Issue #3 turns these into versioned data.
import type { EventType } from './events';

export type Measure = 'rings' | 'answerSeconds' | 'greetSeconds';

/** How abandoned calls / visitors who left count (PRODUCT.md F1–F5). */
export type FormulaVariant = 'F1' | 'F2' | 'F3' | 'F4' | 'F5';

export interface Standard {
  id: string;
  version: number;
  name: string;
  eventType: EventType;
  measure: Measure;
  operator: '<=';
  threshold: number;
  /** Share of events that must meet the threshold, 0..1. */
  target: number;
  formula: FormulaVariant;
}

export interface Judgement {
  standardId: string;
  standardVersion: number;
  measure: Measure;
  /** The value judged (rings, seconds); null when the event could not be measured. */
  value: number | null;
  threshold: number;
  met: boolean;
  /** Why the event missed when the value alone does not say (an abandon, a visitor who left). */
  reason: 'abandoned' | 'left' | null;
}
