// The fingerprint of the store's audit.secret (SQLite migration 22, PostgreSQL 14), the SQL of both backends (SQLite
// and PostgreSQL read it alike): the first node's is recorded once; every node reads it back before it signs.
/** The store's audit.secret fingerprint (both backends): recorded once (parameters fingerprint, time), then read. */
export const AUDIT_SECRET_SQL = {
  record: 'INSERT INTO audit_secret (id, fingerprint, recorded_at_ms) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
  read: 'SELECT fingerprint, recorded_at_ms FROM audit_secret WHERE id = 1',
} as const;

export const toRecordedSecret = (r: { fingerprint: string; recorded_at_ms: number }) => ({ fingerprint: r.fingerprint, recordedAtMs: Number(r.recorded_at_ms) });
