// The protocol's zod-free entry (server/src/protocol/pure): the one band rule and percent wording that the
// server, the dashboard page and the VS Code extension all use, and a check that the entry stays free of zod
// and of anything outside its folder (the page's bundle, and its first render, depend on that).
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BAND_RANK, bandIn, bandOf, bandsOf, defaultBands, formatPercent, worstBand } from '../../server/src/protocol/pure';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('bands', () => {
  it('defaults to green from the target and amber down to 5 points below it, never below 0', () => {
    expect(defaultBands(0.9)).toEqual({ green: 0.9, amber: 0.85 });
    expect(defaultBands(0.995)).toEqual({ green: 0.995, amber: 0.945 });
    expect(defaultBands(0.03)).toEqual({ green: 0.03, amber: 0 });
  });

  it('uses a standard’s own bands when it has them', () => {
    expect(bandsOf({ target: 0.9, bands: { green: 0.95, amber: 0.93 } })).toEqual({ green: 0.95, amber: 0.93 });
    expect(bandsOf({ target: 0.9 })).toEqual({ green: 0.9, amber: 0.85 });
  });

  it('is green at or above green, amber at or above amber, red below; no band when nothing was counted', () => {
    expect(bandOf(0.9, undefined, 0.9)).toBe('green');
    expect(bandOf(0.85, undefined, 0.9)).toBe('amber');
    expect(bandOf(0.849, undefined, 0.9)).toBe('red');
    expect(bandOf(null, undefined, 0.9)).toBeNull();
    expect(bandOf(0.94, { green: 0.95, amber: 0.93 }, 0.9)).toBe('amber');
    expect(bandIn(0.92, { green: 0.95, amber: 0.93 })).toBe('red');
  });

  it('ranks red worst, then amber, then green', () => {
    expect(BAND_RANK.red).toBeGreaterThan(BAND_RANK.amber);
    expect(BAND_RANK.amber).toBeGreaterThan(BAND_RANK.green);
    expect(worstBand(['green', null, 'amber'])).toBe('amber');
    expect(worstBand([null, undefined])).toBeNull();
  });
});

describe('formatPercent', () => {
  it('reads a ratio with one decimal, and nothing counted as a dash', () => {
    expect(formatPercent(0.931)).toBe('93.1 %');
    expect(formatPercent(1)).toBe('100.0 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('the zod-free entry', () => {
  it('bundles from its own folder alone: no zod, no other protocol module', async () => {
    const result = await build({
      entryPoints: [resolve(root, 'server/src/protocol/pure/index.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'neutral',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input)));
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((input) => !input.startsWith('server/src/protocol/pure/'))).toEqual([]);
  });
});
