// Under the API's text rule (protocol/text.ts refuses text that is not well-formed Unicode), the store still
// copes if such a string reaches it directly: it stores U+FFFD for each unpaired surrogate, and what it hashes
// into the chain is that same text, whatever writes it (every record's link is hashed in JavaScript from the
// values bound). NUL is well-formed text: it is stored and hashed as it is.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSite } from '../../../server/src/domain/sites';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { KeysService } from '../../../server/src/services/keys';
import type { EventInput } from '../../../server/src/protocol';
import { openTestCore, verifyDir, type TestCore } from '../support/core';
import { readFile } from '../support/database';
import { removeDir, tempDataDir } from '../support/testServer';

let dir: string;
let core: TestCore;
beforeEach(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir, { timeZone: 'UTC' });
});
afterEach(async () => {
  await core.close();
  removeDir(dir);
});

const OCCURRED = '2026-03-07T20:00:00Z';

function write(input: EventInput) {
  const item = prepareEvent(input, { standardsAt: (ms) => core.standards.inForceAt(ms), site: defaultSite(input.site, 'UTC'), receivedAtMs: Date.parse(OCCURRED) + 1000 });
  return core.store.write((tx) => tx.writes.events([item]));
}

const chainCheck = () => verifyDir(dir);

function row<T>(sql: string, ...params: unknown[]): T {
  const reader = readFile(dir);
  try {
    return reader.prepare(sql).get(...params) as T;
  } finally {
    reader.close();
  }
}

describe('text that is not well-formed, written directly through the store', () => {
  it('the batch writer binds and hashes the same text: U+FFFD for each unpaired surrogate', async () => {
    const input: EventInput = { type: 'call', id: 'c\udfff', site: 'lobby\udfff', occurredAt: OCCURRED, outcome: 'answered', rings: 1, queue: '\ud800q', agent: 'a\ud83d' };
    const [written] = await write(input);
    expect(written!.judged.event).toMatchObject({ id: 'c\ufffd', site: 'lobby\ufffd', queue: '\ufffdq', agent: 'a\ufffd' });
    expect(row('SELECT id, site, queue, agent, hex(site) AS bytes FROM events WHERE seq = ?', written!.judged.event.seq)).toEqual({
      id: 'c\ufffd',
      site: 'lobby\ufffd',
      queue: '\ufffdq',
      agent: 'a\ufffd',
      bytes: Buffer.from('lobby\ufffd').toString('hex').toUpperCase(),
    });
    expect(await chainCheck()).toMatchObject({ intact: true, problems: [] });
    // A retry of the same input finds the stored event under the same (replaced) id.
    expect((await write(input))[0]).toMatchObject({ duplicate: true, judged: { event: { seq: written!.judged.event.seq } } });
    expect(row('SELECT name FROM sites WHERE name = ?', 'lobby\ufffd')).toEqual({ name: 'lobby\ufffd' });
  });

  it('NUL is stored and hashed as it is', async () => {
    const [written] = await write({ type: 'visit', id: 'v\u0000', site: 'nul\u0000site', occurredAt: OCCURRED, outcome: 'greeted', greetSeconds: 3, agent: '\u0000' });
    expect(row('SELECT id, site, agent FROM events WHERE seq = ?', written!.judged.event.seq)).toEqual({ id: 'v\u0000', site: 'nul\u0000site', agent: '\u0000' });
    expect(await core.sites.get('nul\u0000site')).toMatchObject({ id: 'nul\u0000site' });
    expect(await chainCheck()).toMatchObject({ intact: true });
  });

  it('the other chained tables (sites, corrections, audit log) and API keys store the same replacement', async () => {
    await write({ type: 'call', id: 'plain', site: 'plain', occurredAt: OCCURRED, outcome: 'answered', rings: 1 });
    expect((await core.sites.create({ id: 'site\udfff', name: 'name\ud800' }, null)).site).toMatchObject({ id: 'site\ufffd', name: 'name\ufffd' });
    expect((await core.sites.update('site\udfff', { id: 'site\udfff', name: 'again\ud800' }, null)).site).toMatchObject({ name: 'again\ufffd' });
    const correction = await core.corrections.correct('plain', { action: 'void', reason: 'why\udfff' }, 'key\ud800');
    await core.store.write((tx) => tx.writes.auditLog({ keyId: 'k\udfff', action: 'test.text', target: 't\ud800', details: { text: '\udfff' } }));
    const key = await new KeysService(core.store).create({ name: 'key\udfff', scopes: ['ingest'], source: 'api' }, { keyId: 'test' });
    expect(await chainCheck()).toMatchObject({ intact: true, problems: [] });
    expect(row('SELECT name, display_name FROM sites WHERE name = ?', 'site\ufffd')).toEqual({ name: 'site\ufffd', display_name: 'again\ufffd' });
    expect(row('SELECT reason, key_id FROM audit_corrections WHERE seq = ?', correction.seq)).toEqual({ reason: 'why\ufffd', key_id: 'key\ufffd' });
    expect(row("SELECT key_id, target FROM audit_log WHERE action = 'test.text'")).toEqual({ key_id: 'k\ufffd', target: 't\ufffd' });
    expect(row('SELECT name FROM api_keys WHERE id = ?', key.info.id)).toEqual({ name: 'key\ufffd' });
  });
});
