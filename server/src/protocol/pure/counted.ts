// Whether a judgement is in its standard's denominator. Older senders leave `counted` out, and a judgement without it
// counts: every reader (the writers' rows, the figures, corrections, the clocks, the dashboard's verdicts, the
// metrics) asks here, so that rule is written once.

/** True unless the judgement says `counted: false`. */
export const isCounted = (j: { readonly counted?: boolean }): boolean => j.counted !== false;

/** The 0/1 flag a row or a sum stores for `isCounted`. */
export const countedFlag = (j: { readonly counted?: boolean }): 0 | 1 => (j.counted === false ? 0 : 1);
