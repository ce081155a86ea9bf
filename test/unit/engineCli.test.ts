import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../../server/src/cli/options';
import { runRebuildRollups } from '../../server/src/cli/rebuildRollups';

describe('engine CLI options (issue #3)', () => {
  it('reads --standards and --reject-unknown-sites', () => {
    expect(parseCli(['--standards', 'conf/standards.yaml', '--reject-unknown-sites'])).toMatchObject({
      kind: 'run',
      options: { standardsFile: 'conf/standards.yaml', rejectUnknownSites: true },
    });
    const plain = parseCli([]);
    expect(plain.kind === 'run' && 'standardsFile' in plain.options).toBe(false);
    expect(USAGE).toMatch(/--standards PATH/);
    expect(USAGE).toMatch(/rebuild-rollups --data DIR/);
  });
  it('refuses an empty --standards', () => {
    expect(parseCli(['--standards', ' '])).toEqual({ kind: 'error', message: '--standards must not be empty' });
  });
  it('rebuild-rollups needs --data (exit 2)', () => {
    const err: string[] = [];
    const io = { out: (_t: string) => true, err: (t: string) => (err.push(t), true) };
    expect(runRebuildRollups([], io)).toBe(2);
    expect(err.join('')).toMatch(/--data DIR is required/);
    expect(runRebuildRollups(["--colour"], io)).toBe(2);
  });
});
