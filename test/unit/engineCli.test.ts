import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../../server/src/cli/options';
import { runSubcommand } from '../../server/src/cli/dispatch';

describe('engine CLI options', () => {
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
  it('rebuild-rollups needs --data (exit 2)', async () => {
    const err: string[] = [];
    const io = { out: (_t: string) => true, err: (t: string) => (err.push(t), true) };
    expect(await runSubcommand(['rebuild-rollups'], io)).toBe(2);
    expect(err.join('')).toMatch(/--data DIR is required/);
    expect(await runSubcommand(['rebuild-rollups', '--colour'], io)).toBe(2);
  });
});
