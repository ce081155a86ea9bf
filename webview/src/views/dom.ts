// Tiny DOM helpers: the dashboard builds every node itself (no innerHTML, so no markup injection from event data).

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Sets text only when it changed, so unchanged tiles cause no layout work. */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
