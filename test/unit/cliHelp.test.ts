// The help is written from the option tables the parsers read (cli/usage.ts), so it names every option; and every
// option docs/operations.md documents, for the server and for each subcommand, is one the help names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSubcommand } from '../../server/src/cli/dispatch';
import { USAGE } from '../../server/src/cli/options';
import { SUBCOMMANDS } from '../../server/src/cli/subcommands';
import { commandHelp } from '../../server/src/cli/usage';

const operations = readFileSync(resolve(__dirname, '../../docs/operations.md'), 'utf8');
const optionsIn = (text: string) => [...new Set([...text.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))];

/** The first cells of a section's table rows: `--port N`, `keys create --data DIR …`. */
function firstCells(heading: string): string[] {
  const section = operations.split(/^## /m).find((s) => s.startsWith(heading))!;
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!.replace(/\\\|/g, '|'));
}

async function help(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSubcommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('--help', () => {
  it('names every option of the server and of every subcommand, with its value', () => {
    for (const name of ['port', 'data', 'database-pool', 'cors-origin', 'reject-unknown-sites', 'tsa-url']) expect(USAGE).toContain(`--${name}`);
    for (const command of SUBCOMMANDS) {
      const own = commandHelp(command);
      for (const [name, spec] of Object.entries(command.options)) {
        const words = spec.type === 'string' ? `--${name} ${spec.value}` : `--${name}`;
        expect(USAGE, `${command.name} ${words} in --help`).toContain(words);
        expect(own, `${command.name} ${words} in ${command.name} --help`).toContain(words);
      }
    }
    // What the tester missed: forward asterisk-queue-log's --start-at and --poll-interval, keys create's --json.
    expect(USAGE).toMatch(/forward asterisk-queue-log [^\n]*\[--start-at beginning\|end\][\s\S]*\[--poll-interval MS\]/);
    expect(USAGE).toMatch(/keys create [^\n]*(\n {6}[^\n]*)*\[--json\]/);
  });

  it('says what each subcommand does in whole sentences (the overview shows the first line of each summary)', () => {
    for (const command of SUBCOMMANDS) {
      const first = command.summary.split('\n')[0]!;
      expect(USAGE).toContain(`      ${first}\n`);
      expect(first, command.name).toMatch(/\.$/);
    }
  });

  it('names every server option docs/operations.md documents', () => {
    const documented = firstCells('Running').flatMap(optionsIn);
    expect(documented.length).toBeGreaterThan(20);
    for (const option of documented) expect(USAGE, option).toMatch(new RegExp(`^  (-h, )?${option}\\b`, 'm'));
  });

  it('names, for every subcommand docs/operations.md documents, each documented option', async () => {
    const rows = firstCells('Subcommands');
    expect(rows.length).toBeGreaterThanOrEqual(SUBCOMMANDS.length);
    for (const row of rows) {
      const name = row.split(' --')[0]!;
      const command = SUBCOMMANDS.find((c) => c.name === name);
      expect(command, `documented command ${name}`).toBeDefined();
      const { code, out } = await help([...name.split(' '), '--help']);
      expect(code).toBe(0);
      for (const option of optionsIn(row)) {
        expect(out, `${name} ${option}`).toMatch(new RegExp(`^  ${option}\\b`, 'm'));
        expect(option.slice(2) in command!.options, `${name} parses ${option}`).toBe(true);
      }
    }
    // And no subcommand goes undocumented.
    for (const command of SUBCOMMANDS) expect(rows.some((r) => r.split(' --')[0] === command.name), command.name).toBe(true);
  });

  it('answers --help and -h at every level with the usage, exit 0', async () => {
    for (const argv of [['keys', '--help'], ['keys', '-h'], ['forward', '--help']]) {
      const r = await help(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`Usage: node server/dist/main.js ${argv[0]} `));
    }
    for (const command of SUBCOMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = await help([...command.name.split(' '), flag]);
        expect(r.code, `${command.name} ${flag}`).toBe(0);
        expect(r.out).toBe(commandHelp(command));
      }
    }
    // Even beside other options, bad or missing ones: the help says what is right.
    expect((await help(['keys', 'create', '--data', 'x', '--bogus', '--help'])).code).toBe(0);
  });
});
