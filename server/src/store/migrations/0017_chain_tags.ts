// Migration 17: chain links carry tags, what export filters select on (domain/chain.ts, tagsOf), so an offline
// verifier can tell which links of a proven range an export had to include (docs/audit.md, "Completeness"). New
// links get them as they are written; this migration adds the column, and commits the tags of the links written
// before it after the fact: one chained `tags` record per old event, judgement, correction and milestone link whose
// record is still stored (record {linkSeq, linkHash, tags}, ref = the old link's seq, its own link carrying the
// same tags in the clear). Cost: one read of those links in pages of 10 000 (joined to their records), then two
// SHA-256 and two inserts per link (measured in docs/audit.md, "Completeness").
// Frozen: the SQL this version released, as a literal, and a self-contained copy of the hashing as it was then.
// Never edit it; add a migration instead.
import { hash } from 'node:crypto';
import type { Migration, MigrationDatabase } from './types';

const sha256 = (text: string): string => hash('sha256', text, 'hex');

interface OldLink {
  seq: number;
  hash: string;
  kind: string;
  site: string | null;
  type: string | null;
  time: number | null;
  action: string | null;
  event_seq: number | null;
}

const PAGE = 10_000;

// The old links with what their tags are made of, in chain order: one walk of the primary key from the page's start
// (pages of PAGE links), each joined by key to its record. A link whose record was pruned gets no tags record.
const OLD_LINKS = `
  SELECT c.seq, c.hash, c.kind, coalesce(e.site, m.site) AS site, e.type, coalesce(e.occurred_at_ms, m.at_ms) AS time,
         k.action, k.event_seq
    FROM audit_chain c
    LEFT JOIN events e ON c.kind IN ('event', 'judgement') AND e.seq = c.event_seq
    LEFT JOIN audit_corrections k ON c.kind = 'correction' AND k.seq = c.key_int
    LEFT JOIN milestones m ON c.kind = 'milestone' AND m.seq = c.key_int
   WHERE c.seq > ? AND c.seq <= ? AND c.kind IN ('event', 'judgement', 'correction', 'milestone')
   ORDER BY c.seq LIMIT ${PAGE}`;

/** The tags as the writer gives new links (canonical JSON: keys sorted, as written here). */
function tagsOf(l: OldLink): string {
  if (l.kind === 'event') return JSON.stringify({ occurredAtMs: Number(l.time), site: l.site, type: l.type });
  if (l.kind === 'judgement') return JSON.stringify({ occurredAtMs: Number(l.time), site: l.site });
  if (l.kind === 'correction') return JSON.stringify({ action: l.action, eventSeq: Number(l.event_seq) });
  return JSON.stringify({ atMs: Number(l.time), site: l.site });
}

function commitOldTags(db: MigrationDatabase): void {
  const head = db.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').all()[0] as { seq: number; hash: string } | undefined;
  if (!head) return;
  const page = db.prepare(OLD_LINKS);
  const insertRecord = db.prepare('INSERT INTO chain_tags (link_seq, link_hash, tags) VALUES (?, ?, ?)');
  const insertLink = db.prepare("INSERT INTO audit_chain (seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms, tags) VALUES (?, 'tags', ?, NULL, NULL, ?, ?, ?, ?, ?)");
  const atMs = Date.now();
  let prev = head;
  for (let after = 0; ; ) {
    const links = page.all(after, head.seq) as OldLink[];
    for (const l of links) {
      if (l.kind === 'correction' ? l.action === null : l.site === null) continue; // the record was pruned
      const tags = tagsOf(l);
      const ref = String(l.seq);
      insertRecord.run(l.seq, l.hash, tags);
      const digest = sha256(JSON.stringify({ linkHash: l.hash, linkSeq: l.seq, tags }));
      const next = { seq: prev.seq + 1, hash: sha256(`${prev.hash}${JSON.stringify({ digest, kind: 'tags', ref }).slice(0, -1)},"tags":${tags}}`) };
      insertLink.run(next.seq, ref, l.seq, digest, next.hash, atMs, tags);
      prev = next;
    }
    if (links.length < PAGE) return;
    after = links.at(-1)!.seq;
  }
}

export const MIGRATION_0017: Migration = {
  version: 17,
  name: 'chain link tags',
  sql: `
    ALTER TABLE audit_chain ADD COLUMN tags TEXT; -- canonical JSON of what export filters select on; NULL before
    CREATE TABLE chain_tags (
      link_seq  INTEGER PRIMARY KEY, -- a link written before links carried tags
      link_hash TEXT NOT NULL,       -- its hash (the record names the link exactly)
      tags      TEXT NOT NULL        -- canonical JSON of its tags
    );
    CREATE TRIGGER chain_tags_append_only_u BEFORE UPDATE ON chain_tags BEGIN SELECT RAISE(ABORT, 'chain tags are append-only'); END;
    CREATE TRIGGER chain_tags_append_only_d BEFORE DELETE ON chain_tags BEGIN SELECT RAISE(ABORT, 'chain tags are append-only'); END;
  `,
  after: commitOldTags,
};
