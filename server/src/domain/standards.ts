// The standards present on a fresh install (PRODUCT.md "Default standards").
import type { Standard } from '../protocol';

/**
 * Formula F3 (A≤T / (A + Ab)): every abandoned call and every visitor who left is a miss,
 * as issue #2 asks ("count as misses for now"). Issue #3 makes standards versioned data.
 */
export const DEFAULT_STANDARDS: readonly Standard[] = [
  {
    id: 'call-answer-2-rings',
    version: 1,
    name: 'Calls answered within 2 rings',
    eventType: 'call',
    measure: 'rings',
    operator: '<=',
    threshold: 2,
    target: 0.9,
    formula: 'F3',
  },
  {
    id: 'visit-greet-30s',
    version: 1,
    name: 'Visitors greeted within 30 seconds',
    eventType: 'visit',
    measure: 'greetSeconds',
    operator: '<=',
    threshold: 30,
    target: 0.9,
    formula: 'F3',
  },
];
