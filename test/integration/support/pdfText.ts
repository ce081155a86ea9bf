// The text of each page of a PDF that Chromium printed (Skia's writer: plain objects, Flate streams, Type0 fonts
// with a ToUnicode map), enough to check what a printed page shows: its running header, page number and body.
// Not a general PDF reader: no object streams, no encryption, no other encodings.
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const out = new Map<number, PdfObject>();
  const re = /(\d+) 0 obj\s*(<<[\s\S]*?>>)\s*(stream\r?\n|endobj)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const dict = m[2]!;
    let stream: Buffer | null = null;
    if (m[3]!.startsWith('stream')) {
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const start = m.index + m[0].length;
      const raw = pdf.subarray(start, start + length);
      stream = dict.includes('/FlateDecode') ? inflateSync(raw) : raw;
      re.lastIndex = start + length;
    }
    out.set(Number(m[1]), { dict, stream });
  }
  return out;
}

/** A ToUnicode CMap: glyph code → text. */
function unicodeMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const hex = (h: string) => String.fromCodePoint(...(h.match(/.{4}/g) ?? []).map((x) => parseInt(x, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(m[1]!, 16), hex(m[2]!));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
      const [lo, hi, first] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
      for (let c = lo; c <= hi; c += 1) map.set(c, String.fromCodePoint(first + c - lo));
    }
  }
  return map;
}

const ref = (dict: string, key: string): number | null => {
  const m = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  return m ? Number(m[1]) : null;
};

function pageText(page: PdfObject, all: Map<number, PdfObject>): string {
  const fonts = new Map<string, Map<number, string>>();
  const fontDict = /\/Font <<([^>]*)>>/.exec(page.dict)?.[1] ?? '';
  for (const m of fontDict.matchAll(/\/(\w+) (\d+) 0 R/g)) {
    const font = all.get(Number(m[2]));
    const toUnicode = font ? ref(font.dict, 'ToUnicode') : null;
    fonts.set(m[1]!, toUnicode === null ? new Map() : unicodeMap(all.get(toUnicode)?.stream?.toString('latin1') ?? ''));
  }
  const contents = ref(page.dict, 'Contents');
  const ops = contents === null ? '' : (all.get(contents)?.stream?.toString('latin1') ?? '');
  let font = new Map<number, string>();
  let lastY: string | null = null;
  let out = '';
  for (const m of ops.matchAll(/\/(\w+) [\d.]+ Tf|1 0 0 -1 [\d.-]+ ([\d.-]+) Tm|<([0-9A-Fa-f]*)> Tj|\[([^\]]*)\] TJ/g)) {
    if (m[1]) font = fonts.get(m[1]) ?? new Map();
    else if (m[2]) {
      if (lastY !== null && m[2] !== lastY) out += '\n';
      lastY = m[2];
    } else {
      const hex = m[3] ?? [...(m[4] ?? '').matchAll(/<([0-9A-Fa-f]*)>/g)].map((x) => x[1]).join('');
      for (const code of hex.match(/.{4}/g) ?? []) out += font.get(parseInt(code, 16)) ?? '\ufffd';
    }
  }
  return out;
}

/** Each page's text, in page order, lines separated by "\n". */
export function pdfPages(pdf: Buffer): string[] {
  const all = objects(pdf);
  const root = [...all.values()].find((o) => /\/Type \/Pages\b/.test(o.dict) && !/\/Parent/.test(o.dict));
  const pages: PdfObject[] = [];
  const walk = (node: PdfObject | undefined) => {
    if (!node) return;
    if (!/\/Type \/Pages\b/.test(node.dict)) return void pages.push(node);
    for (const m of (/\/Kids \[([^\]]*)\]/.exec(node.dict)?.[1] ?? '').matchAll(/(\d+) 0 R/g)) walk(all.get(Number(m[1])));
  };
  walk(root);
  return pages.map((page) => pageText(page, all));
}
