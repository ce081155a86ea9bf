/** pruned_corrections keeps counts per UTC minute, like rollup_minute (migration 8). */
export const PRUNED_CORRECTIONS_GRAIN_MS = 60_000;
