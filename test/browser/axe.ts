// axe-core over the whole test page, for the browser tests that run it (axe.test.ts, kioskAxe.test.ts).
import axe from 'axe-core';

/**
 * What axe finds on the page with every rule it runs by default (WCAG 2.x A and AA, and its best practices), each
 * violation with the elements it was found on and what to fix, for the failure message: a page that passes gives [].
 */
export async function axeViolations(): Promise<string[]> {
  const results = await axe.run(document);
  return results.violations.map(
    (v) => `${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}\n    ${n.failureSummary?.replace(/\n/g, '\n    ') ?? ''}`).join('\n')}`,
  );
}
