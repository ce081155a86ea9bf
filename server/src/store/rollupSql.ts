// The contributions of raw judgements as SQL, for raw reads of range edges (the rollups are written in JavaScript,
// domain/rollups.ts). Over the effective_judgements view `j`: the amended outcome and waits of a corrected event.
export function contributionsSql(j: string, grainMs: number): string {
  const considered = `(${j}.reason IS NOT 'outside-hours')`;
  const success = `(${considered} AND ${j}.outcome IN ('answered', 'greeted'))`;
  return `
    ${j}.occurred_at_ms - (((${j}.occurred_at_ms % ${grainMs}) + ${grainMs}) % ${grainMs}) AS bucket_ms,
    ${j}.standard_id AS standard_id, ${j}.standard_version AS standard_version, ${j}.site AS site,
    1 AS judged, ${j}.counted AS counted, ${j}.met AS met,
    CASE WHEN ${considered} THEN 1 ELSE 0 END AS considered,
    CASE WHEN ${considered} AND ${j}.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
    CASE WHEN ${success} AND ${j}.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
    CASE WHEN ${success} AND ${j}.value IS NOT NULL THEN ${j}.value ELSE 0 END AS value_sum,
    CASE WHEN ${considered} THEN (CASE ${j}.type WHEN 'call' THEN ${j}.answer_seconds ELSE ${j}.greet_seconds END) END AS wait_max`;
}
