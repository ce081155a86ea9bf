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

/** A button that does not submit a form (unless `type` says so), so a click only runs its own listener. */
export function button(className: string, text?: string, type: 'button' | 'submit' = 'button'): HTMLButtonElement {
  const node = el('button', className, text);
  node.type = type;
  return node;
}

/** An input with the name a screen reader announces (there is no visible <label> beside these). */
export function input(className: string, attributes: { type: string; label: string; name?: string; placeholder?: string }): HTMLInputElement {
  const node = el('input', className);
  node.type = attributes.type;
  if (attributes.name) node.name = attributes.name;
  if (attributes.placeholder) node.placeholder = attributes.placeholder;
  node.setAttribute('aria-label', attributes.label);
  return node;
}
