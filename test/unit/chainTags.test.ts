// Tagged chain links: domain/chain.ts and the offline verifier (scripts/verify-export.mjs) hash them the same way, and
// a link without tags hashes exactly as links did before tags existed (old exports and published heads still verify).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/src/domain/canonical';
import { GENESIS_HASH, linkHash, sha256, tagsOf } from '../../server/src/domain/chain';

const digest = (n: number) => sha256(`record ${n}`);

/** Links from `prev` on, each hashed by the domain's rule with the given tags (canonical JSON text or null). */
function chain(specs: ReadonlyArray<{ kind: string; ref: string; tags: string | null }>, from = { seq: 7, hash: sha256('published head') }) {
  let prev = from;
  const links: Array<Record<string, unknown>> = [{ seq: from.seq, kind: 'audit', ref: '1', digest: digest(0), hash: from.hash }];
  specs.forEach((s, i) => {
    const next = { seq: prev.seq + 1, hash: linkHash(prev.hash, s.kind, s.ref, digest(i + 1), s.tags) };
    links.push({ seq: next.seq, kind: s.kind, ref: s.ref, digest: digest(i + 1), hash: next.hash, ...(s.tags === null ? {} : { tags: JSON.parse(s.tags) as unknown }) });
    prev = next;
  });
  return { links, head: prev };
}

/** A milestone export with a since= proof made of `links`, as NDJSON, checked by the script. */
function verified(links: ReadonlyArray<Record<string, unknown>>, head: { seq: number; hash: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-tags-'));
  try {
    const first = { kind: 'milestones', format: 'ndjson', filters: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', sites: [], standards: [], outcomes: [] }, chainHead: head };
    const manifest = { ...first, rowCount: 0, dataSha256: createHash('sha256').digest('hex'), proof: { fromLinkSeq: links[0]!.seq, toLinkSeq: head.seq } };
    const file = join(dir, 'export.ndjson');
    writeFileSync(file, [{ export: first }, ...links.map((link) => ({ link })), { manifest }].map((l) => JSON.stringify(l)).join('\n') + '\n');
    // --head the published head the proof starts from (since=), which is what proves where it starts.
    return spawnSync(process.execPath, [join(process.cwd(), 'scripts', 'verify-export.mjs'), file, '--head', links[0]!.hash as string], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tagged chain links', () => {
  it('hash prev + canonical {digest, kind, ref, tags}; without tags exactly as before', () => {
    const tags = tagsOf('event', [12, 'c1', 'call', 'north "east"', 1_780_000_000_000]);
    expect(tags).toBe(canonicalJson({ type: 'call', site: 'north "east"', occurredAtMs: 1_780_000_000_000 }));
    expect(linkHash(GENESIS_HASH, 'event', '12', digest(1), tags)).toBe(sha256(GENESIS_HASH + canonicalJson({ ref: '12', tags: JSON.parse(tags!) as unknown, kind: 'event', digest: digest(1) })));
    expect(linkHash(GENESIS_HASH, 'event', '12', digest(1))).toBe(sha256(GENESIS_HASH + canonicalJson({ ref: '12', kind: 'event', digest: digest(1) })));
    expect(linkHash(GENESIS_HASH, 'event', '12', digest(1), null)).toBe(linkHash(GENESIS_HASH, 'event', '12', digest(1)));
    expect(tagsOf('judgement', [12, 'calls'], { site: 'north', occurredAtMs: 5 })).toBe('{"occurredAtMs":5,"site":"north"}');
    expect(tagsOf('correction', [3, 12, 'void'])).toBe('{"action":"void","eventSeq":12}');
    expect(tagsOf('audit', [1])).toBeNull();
  });

  it('the offline verifier recomputes tagged links as the domain does, and refuses an edited tag', () => {
    const { links, head } = chain([
      { kind: 'event', ref: '12', tags: tagsOf('event', [12, 'c1', 'call', 'nörth, "east"', Date.parse('2026-02-03T00:00:00Z')]) },
      { kind: 'judgement', ref: '12/calls', tags: tagsOf('judgement', [12, 'calls'], { site: 'nörth, "east"', occurredAtMs: Date.parse('2026-02-03T00:00:00Z') }) },
      { kind: 'correction', ref: '3', tags: tagsOf('correction', [3, 12, 'amend']) },
      { kind: 'milestone', ref: '4', tags: tagsOf('milestone', [4, 'm', 'call', 'south', 'case', 'started', Date.parse('2026-05-01T00:00:00Z')]) },
      { kind: 'audit', ref: '2', tags: null },
      { kind: 'tags', ref: '5', tags: '{"atMs":1,"site":"x"}' },
    ]);
    const ok = verified(links, head);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('complete: every milestone of the filters');
    const edited = links.map((l) => (l.kind === 'event' ? { ...l, tags: { ...(l.tags as object), site: 'elsewhere' } } : l));
    const bad = verified(edited, head);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`proof link ${links[1]!.seq as number} does not follow from link ${links[0]!.seq as number}`);
  });
});
