// DOM building for the panel. Data only ever enters the page as textContent or as a property value
// (title, value, aria-*); there is no innerHTML anywhere in the panel.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates an element: `attrs` become attributes (booleans toggle them), children are nodes or text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = String(value);
    else if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A codicon glyph; decorative unless given a label. */
export function icon(name: string, label?: string): HTMLSpanElement {
  const span = el('span', { class: `codicon codicon-${name}` });
  if (label) {
    span.setAttribute('role', 'img');
    span.setAttribute('aria-label', label);
    span.title = label;
  } else {
    span.setAttribute('aria-hidden', 'true');
  }
  return span;
}

/** A button with an optional codicon; `onClick` runs on click, Enter and Space (native button behaviour). */
export function button(label: string, opts: { icon?: string; onClick: () => void; kind?: 'primary' | 'secondary' | 'icon'; title?: string; id?: string }): HTMLButtonElement {
  const b = el('button', { type: 'button', class: `btn btn-${opts.kind ?? 'secondary'}`, id: opts.id });
  if (opts.icon) b.appendChild(icon(opts.icon));
  if (opts.kind === 'icon') {
    b.setAttribute('aria-label', label);
    b.title = opts.title ?? label;
  } else {
    b.appendChild(el('span', { class: 'btn-label', text: label }));
    if (opts.title) b.title = opts.title;
  }
  b.addEventListener('click', () => opts.onClick());
  return b;
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

let idCounter = 0;
export function uniqueId(prefix: string): string {
  return `${prefix}-${++idCounter}`;
}

/** "1 row", "2 rows", "1,234 rows". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
