// Summarises a V8 .cpuprofile: self time per function (name + file:line), top N.
import { readFileSync } from 'node:fs';

export function summariseProfile(file, top = 15) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  let total = 0;
  for (const [id, us] of dt) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const url = cf.url.replace(/^.*\/(server|node_modules)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return { totalMs: total / 1000, top: [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { totalMs, top } = summariseProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total ${totalMs.toFixed(0)} ms`);
  for (const t of top) console.log(`${(t.share * 100).toFixed(1).padStart(5)} %  ${t.ms.toFixed(0).padStart(6)} ms  ${t.fn}`);
}
