// What scripts/verify-export.mjs says when an export's bytes were changed by a tool rather than a forger, and what it
// names first: line ends converted (one row, or the whole file), a `# correction` line removed, a proof line or the
// column names row removed, the file cut short, a proof line moved ahead of its predecessor. Real server on a
// real SQLite store, real CSV exports of a store with many events and its corrections in the middle of the chain, the
// bytes edited, the script run as a child process as an auditor runs it.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, chainHead, useTestServer, visit } from '../support/testServer';
import { runNode } from '../support/cli';

const server = useTestServer({ logLevel: 'error' });
const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
const EVENTS = 1200;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const RANGE = 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z';
// A small export: the events of two hours around the corrected ones (its proof still lists every later link).
const SMALL = 'from=2026-03-02T04:00:00Z&to=2026-03-02T06:00:00Z';
let published: string;

const post = (path: string, body: unknown) =>
  fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function exported(query: string, format = 'csv'): Promise<string> {
  const res = await fetch(`${server().url}/api/v1/export/events?${query}&format=${format}`, { headers: adminHeaders(server().apiKey) });
  expect(res.status).toBe(200);
  return res.text();
}

/**
 * The verifier on `text` written to a file of its own: exit code and the problems it prints, in order. An intact
 * file passes every check and is NOT PROVEN (3) without the key, which alone binds where an events export starts.
 */
async function verified(name: string, text: string) {
  const file = join(server().dataDir, name);
  writeFileSync(file, text, 'utf8');
  const r = await runNode([script, file, '--head', published]);
  return { status: r.status, stdout: r.stdout, problems: r.stdout.split('\n').slice(1).filter((l) => l.startsWith('  ')).map((l) => l.trim()) };
}

beforeAll(async () => {
  // Events one a minute; half of them, then the corrections (c-301 amended twice, c-303 voided), then the rest: the
  // corrections' links sit in the middle of the chain, between event links.
  const events = Array.from({ length: EVENTS }, (_, i) => {
    const occurredAt = new Date(T0 + i * 60_000).toISOString();
    return i % 2 ? call({ id: `c-${i}`, site: i % 3 ? 'harbour' : 'airport', occurredAt, rings: (i % 5) + 1 }) : visit({ id: `v-${i}`, site: 'harbour', occurredAt, greetSeconds: i % 60 });
  });
  expect((await server().postEvents({ events: events.slice(0, EVENTS / 2) })).status).toBe(201);
  expect((await post('/events/c-301/amend', { reason: 'PBX clock was off', changes: { rings: 1 } })).status).toBe(201);
  expect((await post('/events/c-301/amend', { reason: 'the PBX was right after all', changes: { rings: 4 } })).status).toBe(201);
  expect((await post('/events/c-303/void', { reason: 'test call' })).status).toBe(201);
  expect((await server().postEvents({ events: events.slice(EVENTS / 2) })).status).toBe(201);
  published = (await chainHead(server())).hash;
}, 60_000);

describe('line ends changed by a tool: named as line ends, by line, and still a failure', () => {
  let text: string;
  let lines: string[];
  beforeAll(async () => {
    text = await exported(RANGE);
    lines = text.split('\r\n');
    expect((await verified('events.csv', text)).status).toBe(3);
  });
  /** The file's line `n` (1-based) ending with `end` instead of CR LF. */
  const lineEnding = (n: number, end: string) => lines.slice(0, n).join('\r\n') + end + lines.slice(n).join('\r\n');

  it('one row given CR CR LF (LF converted to CR LF in a file already in CR LF): that line, not its last column', async () => {
    const r = await verified('one-crcrlf.csv', lineEnding(10, '\r\r\n'));
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems[0]).toMatch(/^line 10 \(data row 8\) ends with CR CR LF where the export wrote CR LF \(an extra CR before the LF.*\): its bytes changed \(not its values/);
    expect(r.problems[1]).toMatch(/^data rows hash to [0-9a-f]{64}, the manifest says [0-9a-f]{64} \(only line ends changed: with CR LF, as the export wrote them, the rows hash to the manifest's\)$/);
    expect(r.problems).toHaveLength(2);
    expect(r.stdout).not.toMatch(/correction_link_hash/);
  });

  it('one row given LF alone: that line, and the rows otherwise as written', async () => {
    const r = await verified('one-lf.csv', lineEnding(500, '\n'));
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems[0]).toMatch(/^line 500 \(data row 498\) ends with LF where the export wrote CR LF \(converted to LF line ends/);
    expect(r.problems[1]).toMatch(/only line ends changed/);
    expect(r.problems).toHaveLength(2);
  });

  it('the whole file converted: one sentence naming the line end, first, not a problem per row', async () => {
    for (const [name, end, said] of [['all-crcrlf.csv', '\r\r\n', 'CR CR LF'], ['all-lf.csv', '\n', 'LF']] as const) {
      const r = await verified(name, lines.join(end));
      expect(r.status, r.stdout).toBe(1);
      expect(r.problems[0]).toMatch(new RegExp(`^every line ends with ${said} where the export wrote CR LF \\(.*\\): the whole file was converted: the data rows' bytes changed`));
      expect(r.problems[1]).toMatch(/only line ends changed/);
      expect(r.problems).toHaveLength(2);
    }
  });

  it('a value changed too: the line end first, then the changed row, whose rows no longer hash even with CR LF', async () => {
    const edited = lineEnding(10, '\r\r\n').replace(/^(3,[^,]*,[^,]*,)harbour,/m, '$1airport,');
    expect(edited).not.toBe(lineEnding(10, '\r\r\n'));
    const r = await verified('crcrlf-and-value.csv', edited);
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems[0]).toMatch(/^line 10 \(data row 8\) ends with CR CR LF/);
    expect(r.stdout).toMatch(/the event record does not hash to its chain link \d+ \(the row was altered\)/);
    expect(r.stdout).toMatch(/\(rows were changed, added or removed\)/);
  });
});

describe('a # correction line removed: named first, in a small export and a large one', () => {
  for (const [size, query] of [['small', SMALL], ['large', RANGE]] as const) {
    describe(`${size} export`, () => {
      let text: string;
      let corrections: { seq: number; eventSeq: number; link: number; line: string }[];
      beforeAll(async () => {
        text = await exported(query);
        corrections = text
          .split('\r\n')
          .filter((l) => l.startsWith('# correction '))
          .map((line) => {
            const { record, link } = JSON.parse(line.slice(13)) as { record: { seq: number; eventSeq: number }; link: { seq: number } };
            return { seq: record.seq, eventSeq: record.eventSeq, link: link.seq, line };
          });
        expect(corrections.map((c) => c.seq)).toEqual([1, 2, 3]);
        expect((await verified(`${size}.csv`, text)).status).toBe(3);
      });
      const without = (...seqs: number[]) => corrections.filter((c) => seqs.includes(c.seq)).reduce((t, c) => t.replace(`${c.line}\r\n`, ''), text);

      it('the latest correction of an event corrected twice: that line named, not an earlier one called later', async () => {
        const [, second] = corrections;
        const r = await verified(`${size}-no-2.csv`, without(2));
        expect(r.status, r.stdout).toBe(1);
        expect(r.problems[0]).toMatch(new RegExp(`^correction 2 of event seq ${second!.eventSeq} has no # correction line, but row \\d+ \\(event c-301, call-answer-2-rings\\) shows it: the line was removed`));
        expect(r.stdout).not.toMatch(/is later/);
        expect(r.problems).toHaveLength(1);
      });

      it('an earlier correction: failed (it verified before), naming its link on the proof', async () => {
        const [first] = corrections;
        const r = await verified(`${size}-no-1.csv`, without(1));
        expect(r.status, r.stdout).toBe(1);
        expect(r.problems[0]).toBe(`correction 1 of event seq ${first!.eventSeq} has no # correction line, but the export's chain proof holds its link ${first!.link}: the line was removed (every correction of an exported event has one)`);
        expect(r.problems).toHaveLength(1);
      });

      it('with the rows of other events edited as well: the removed line still comes first', async () => {
        // Every data row's event id changed: one problem per row follows, more than the 20 lines the text prints.
        const edited = without(3).replace(/^(\d+,)([cv]-\d+),/gm, '$1x$2,');
        const r = await verified(`${size}-no-3-edited.csv`, edited);
        expect(r.status, r.stdout).toBe(1);
        expect(r.problems[0]).toMatch(new RegExp(`^correction 3 of event seq ${corrections[2]!.eventSeq} has no # correction line, but row \\d+ \\(event xc-303, call-answer-2-rings\\) shows it`));
        expect(r.problems[1]).toMatch(/the event record does not hash to its chain link/);
      });
    });
  }
});

describe('a proof line or the column names row removed, or the file cut short: named once, in words', () => {
  let text: string;
  let lines: string[];
  beforeAll(async () => {
    text = await exported(SMALL);
    lines = text.split('\r\n');
    expect((await verified('small-intact.csv', text)).status).toBe(3);
  });
  const links = () => lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('# link '));
  const seqOf = (line: string) => (JSON.parse(line.slice(7)) as { seq: number }).seq;
  const without = (i: number) => [...lines.slice(0, i), ...lines.slice(i + 1)].join('\r\n');

  it('one # link line in the middle of the proof: that link, once, between its neighbours (not every link after it)', async () => {
    const all = links();
    const [line, i] = all[Math.floor(all.length / 2)]!;
    const seq = seqOf(line);
    const r = await verified('no-link.csv', without(i));
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems).toEqual([`chain link ${seq} is missing from the export's proof: a data row or proof line holding it was removed (after proof link ${seq - 1}, before proof link ${seq + 1})`]);
  });

  it("the last # link line, the head's: that link, not a chain said to end in zeros", async () => {
    const [line, i] = links().at(-1)!;
    const r = await verified('no-head-link.csv', without(i));
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems[0]).toBe(`chain link ${seqOf(line)} is missing from the export's proof: a data row or proof line holding it was removed (after proof link ${seqOf(line) - 1})`);
    expect(r.stdout).not.toMatch(/0{64}/);
    // Nor, in the machine-readable verdict, a note that the rows reach the head through the chain.
    const json = await runNode([script, join(server().dataDir, 'no-head-link.csv'), '--head', published, '--json']);
    expect((JSON.parse(json.stdout) as { notes: string[] }).notes.join('\n')).not.toMatch(/rows linked through \d+ chain links to head/);
  });

  it('a proof line moved ahead of the row holding its predecessor (NDJSON) is still checked against it', async () => {
    const ndjson = (await exported(SMALL, 'ndjson')).split('\n');
    const at = ndjson.findIndex((l) => l.startsWith('{"link":'));
    const link = JSON.parse(ndjson[at]!) as { link: { seq: number; digest: string } };
    // Its record's digest replaced (a record the file does not hold, so only the link's hash can tell), and the
    // line moved right after the first data row: its predecessor, the last row's link, comes later.
    link.link.digest = createHash('sha256').update('another record').digest('hex');
    const firstRow = ndjson.findIndex((l) => l.startsWith('{"event_seq":'));
    const moved = [...ndjson.slice(0, firstRow + 1), JSON.stringify(link), ...ndjson.slice(firstRow + 1, at), ...ndjson.slice(at + 1)].join('\n');
    const r = await verified('moved-link.ndjson', moved);
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems).toContain(`proof link ${link.link.seq} does not follow from link ${link.link.seq - 1}`);
  });

  it('the column names row: said to be missing, first, instead of an internal error', async () => {
    const r = await verified('no-names.csv', without(1));
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems[0]).toMatch(/^the file has no column names row: its line 2 is a data row, not the manifest's columns \(event_seq,event_id,/);
    expect(r.stdout).not.toMatch(/not a readable Ringside export/);
  });

  it('cut in the middle of a line (the manifest, a proof link, a row), in every format: a truncated export', async () => {
    const ndjson = await exported(SMALL, 'ndjson');
    const json = await exported(SMALL, 'json');
    const cuts: [string, string, string][] = [
      ['cut-manifest.csv', text.slice(0, text.length - 40), '# manifest {…'],
      ['cut-link.csv', text.slice(0, text.indexOf('# link ') + 30), '# link {"seq…'],
      ['cut-manifest.ndjson', ndjson.slice(0, ndjson.length - 40), '{"manifest":…'],
      ['cut-row.ndjson', ndjson.slice(0, ndjson.indexOf('\n', ndjson.indexOf('\n') + 1) + 30), '{"event_seq"…'],
      ['cut-manifest.json', json.slice(0, json.length - 40), '"manifest":{…'],
    ];
    for (const [name, cut, where] of cuts) {
      const r = await verified(name, cut);
      expect(r.status, r.stdout).toBe(1);
      expect(r.problems, name).toEqual([`no trailing manifest: the export is truncated (it ends in the middle of its last line, ${where})`]);
    }
  });
});

describe("the server's refusal saved in place of an export (curl -o saves whatever is answered)", () => {
  it('is named as that answer, with its status and words, as the file and as the events file of a compliance export', async () => {
    const res = await fetch(`${server().url}/api/v1/export/events?${RANGE}&outcome=mised`, { headers: adminHeaders(server().apiKey) });
    expect(res.status).toBe(400);
    const refusal = await res.text();
    const said = /^the file holds the server's answer refusing the request \(HTTP 400 Invalid query parameter: .*outcome.*\), saved in place of the export, so nothing was exported: do what the answer says and export again/;
    const r = await verified('refused.csv', refusal);
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.replace(/^not a readable Ringside export: /, '')).toMatch(said);

    const compliance = await fetch(`${server().url}/api/v1/export/compliance?${RANGE}&format=csv`, { headers: adminHeaders(server().apiKey) });
    expect(compliance.status).toBe(200);
    const file = join(server().dataDir, 'compliance.csv');
    writeFileSync(file, await compliance.text(), 'utf8');
    const events = join(server().dataDir, 'refused-events.csv');
    writeFileSync(events, refusal, 'utf8');
    const withEvents = await runNode([script, file, '--events', events]);
    expect(withEvents.status, withEvents.stdout).toBe(1);
    expect(withEvents.stdout).toMatch(/events file \S*refused-events\.csv: not a readable Ringside export: the file holds the server's answer refusing the request \(HTTP 400 /);
  });

  it('a JSON file that is no such answer is still one that does not start like an export', async () => {
    const r = await verified('other.json', '{"type":"something else"}\n');
    expect(r.status, r.stdout).toBe(1);
    expect(r.problems).toEqual(['not a readable Ringside export: the file does not start like a Ringside export ("# ringside-export" or {"export":…})']);
  });
});

describe('a published head the file does not carry', () => {
  it('one recorded after the export was made (the export moved it) is said to be beyond the file, with what to do', async () => {
    const text = await exported(SMALL);
    const manifest = JSON.parse(text.trim().split('\r\n').at(-1)!.slice('# manifest '.length)) as { chainHead: { seq: number } };
    const after = await chainHead(server());
    expect(after.seq).toBeGreaterThan(manifest.chainHead.seq); // the export's own audit-log entry
    const file = join(server().dataDir, 'later-head.csv');
    writeFileSync(file, text, 'utf8');
    const r = await runNode([script, file, '--head', after.hash]);
    expect(r.status, r.stdout).toBe(1);
    const problems = r.stdout.split('\n').slice(1).filter((l) => l.startsWith('  ')).map((l) => l.trim());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^the export was made against chain head [0-9a-f]{64} \\(record ${manifest.chainHead.seq}\\), and none of the chain links it carries \\(links \\d+–${manifest.chainHead.seq}\\) is the published head ${after.hash}: a head recorded after the export was made \\(after link ${manifest.chainHead.seq}; each export moves the head by its own audit-log entry\\) is beyond it: verify against the head recorded before exporting, or export again with asOf=<the head's seq>; `));
    // The head recorded before exporting verifies the same file.
    expect((await runNode([script, file, '--head', published])).status).toBe(3);
  });
});
