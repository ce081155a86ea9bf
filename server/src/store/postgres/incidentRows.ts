// One incident by id, for the reads and for the writes that answer with the incident as it is after a change.
import type { Incident } from '../../protocol';
import { toIncident } from '../sqlite/incidents';
import type { Sql } from './db';

type IncidentRow = Parameters<typeof toIncident>[0];

export async function incidentById(s: Sql, id: number): Promise<Incident | undefined> {
  const row = await s.one<IncidentRow>('SELECT * FROM incidents WHERE id = ?', [id]);
  return row ? toIncident(row) : undefined;
}
