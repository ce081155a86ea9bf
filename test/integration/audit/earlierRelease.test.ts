// An export made by an earlier release (test/fixtures/earlier-release: release a7851ac, whose manifests list
// standardVersions but whose files have no # standard lines) verifies with today's verifier and its public key, each
// check it could not do named; without the key it fails. Removing the lines from a current export still fails with the
// key: provenExports.test.ts.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from '../support/cli';

const script = fileURLToPath(new URL('../../../scripts/verify-export.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/earlier-release/${name}`, import.meta.url));
const events = fixture('a7851ac-events.csv');
const publicKey = fixture('a7851ac-public-key.json');

describe('an events export of release a7851ac', () => {
  it('verifies with --public-key: the signed columns show a release before the # standard lines', async () => {
    const r = await runNode([script, events, '--public-key', publicKey]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^VERIFIED: .*a7851ac-events\.csv \(events, csv, 3 rows/);
    expect(r.stdout).toContain('signature valid: key ed25519:4b46bc6182d2db4c');
    for (const v of ['call-answer-2-rings@1', 'visit-greet-30s@1']) {
      expect(r.stdout).toContain(`standard version ${v} `);
    }
    expect(r.stdout).toMatch(/has no # standard line: its formula and threshold cannot be checked; the signed manifest shows the server wrote the file without them \(an export from a release before these # standard lines\), so that check was not done/);
  });

  it('fails without the key, saying an export made before these lines verifies with --public-key', async () => {
    const r = await runNode([script, events]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/standard version call-answer-2-rings@1 .*has no # standard line: .*\(an export made before these existed verifies with --public-key\)/);
  });
});
