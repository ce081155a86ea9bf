// What a reader sees of the page's text: WCAG 2.x contrast, composited as the browser draws it.
/** Computed colours read rgb()/rgba() with 0–255 channels, or color(srgb …) with 0–1 ones (what color-mix() gives). */
function rgba(css: string): number[] {
  const srgb = /^color\(srgb ([^)]+)\)$/.exec(css);
  const parts = (srgb?.[1] ?? /^rgba?\(([^)]+)\)$/.exec(css)?.[1])?.split(/[\s,/]+/).filter(Boolean).map(Number);
  if (!parts || parts.length < 3 || parts.some(Number.isNaN)) throw new Error(`not an rgb() colour: ${css}`);
  const scale = srgb ? 255 : 1;
  return [parts[0]! * scale, parts[1]! * scale, parts[2]! * scale, parts[3] ?? 1];
}

const over = (top: number[], below: number[], alpha = top[3]!) => [0, 1, 2].map((i) => top[i]! * alpha + below[i]! * (1 - alpha));

function luminance(c: number[]): number {
  const linear = (v: number) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(c[0]!) + 0.7152 * linear(c[1]!) + 0.0722 * linear(c[2]!);
}

function ratio(a: number[], b: number[]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return Math.round(((light! + 0.05) / (dark! + 0.05)) * 100) / 100;
}

/** The WCAG contrast of two opaque computed colours (a focus ring against what it is drawn on). */
export function colourContrast(a: string, b: string): number {
  return ratio(rgba(a), rgba(b));
}

/**
 * The WCAG 2.x contrast of each piece of text under `root` against what it is drawn on, as the reader sees it: the
 * text's colour and its ancestors' backgrounds composited, an ancestor's opacity fading the text towards what is
 * behind it (an acknowledged incident's row was drawn at 0.7 opacity, muting its grey text to 3:1).
 */
export function textContrasts(root: HTMLElement): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const node of root.querySelectorAll<HTMLElement>('*')) {
    const own = [...node.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent!.trim()).join(' ').trim();
    if (!own || node.getClientRects().length === 0) continue;
    const chain: Element[] = [];
    for (let e: Element | null = node; e; e = e.parentElement) chain.push(e);
    let behind = [255, 255, 255];
    for (const e of [...chain].reverse()) behind = over(rgba(getComputedStyle(e).backgroundColor), behind);
    const opacity = chain.reduce((product, e) => product * Number(getComputedStyle(e).opacity), 1);
    const colour = rgba(getComputedStyle(node).color);
    out.push([own, ratio(over(colour, behind, colour[3]! * opacity), behind)]);
  }
  return out;
}
