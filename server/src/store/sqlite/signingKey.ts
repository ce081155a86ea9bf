// The export signing key recorded for the store (SQLite migration 18, PostgreSQL 10), the SQL of both backends
// (SQLite and PostgreSQL read it alike): the first node's public key is recorded once; every node reads it back at
// start.
/** The store's signing key (both backends): recorded once (parameters key id, public key, instance id, time), then read. */
export const SIGNING_KEY_SQL = {
  record: 'INSERT INTO signing_key (id, key_id, public_key, instance_id, recorded_at_ms) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  read: 'SELECT key_id, public_key, instance_id, recorded_at_ms FROM signing_key WHERE id = 1',
} as const;

export const toRecordedKey = (r: { key_id: string; public_key: string; instance_id: string; recorded_at_ms: number }) => ({
  keyId: r.key_id,
  publicKey: r.public_key,
  instanceId: r.instance_id,
  recordedAtMs: Number(r.recorded_at_ms),
});
