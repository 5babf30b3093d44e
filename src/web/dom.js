/* global Node, URL */
// The one way data from the daemon reaches the page. Text always goes in as text nodes, never through
// innerHTML; attributes are set one by one; event handlers must be functions (a string would be inline
// script, which the CSP forbids anyway); URLs are let through only with a scheme that cannot run code.

/** Attributes that take a URL: their value must pass safeUrl or the attribute is left off. */
const URL_ATTRIBUTES = new Set(['href', 'action', 'formaction', 'xlink:href', 'poster', 'cite']);
/** Attributes that could load or run content: never set from h(). */
const FORBIDDEN_ATTRIBUTES = new Set(['src', 'srcdoc', 'srcset', 'style', 'innerhtml', 'outerhtml', 'data']);

/**
 * `url` if it is absolute http(s) (or one of `extra` schemes, e.g. 'mailto:'), or a same-document
 * fragment such as `#incident=INC-1`; otherwise null. Anything else (javascript:, data:, vbscript:,
 * protocol-relative //host, a relative path) is refused rather than guessed at.
 */
export function safeUrl(url, extra = []) {
  if (typeof url !== 'string') return null;
  const text = url.trim();
  if (/^#[^\s]*$/.test(text)) return text;
  let parsed;
  try {
    parsed = new URL(text);
  } catch {
    return null;
  }
  const allowed = ['http:', 'https:', ...extra];
  return allowed.includes(parsed.protocol) ? parsed.href : null;
}

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    const name = key.toLowerCase();
    if (name.startsWith('on')) {
      if (typeof value !== 'function') throw new TypeError(`h(): "${key}" must be a function, not inline script`);
      el.addEventListener(name.slice(2), value);
    } else if (key === 'class') el.className = String(value);
    else if (key === 'dataset') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (key === 'hidden') el.hidden = Boolean(value);
    else if (FORBIDDEN_ATTRIBUTES.has(name)) throw new TypeError(`h(): "${key}" is not set through h()`);
    else if (URL_ATTRIBUTES.has(name)) {
      const safe = safeUrl(String(value), ['mailto:', 'tel:']);
      if (safe !== null) el.setAttribute(key, safe);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendAll(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a container's children only when the keyed order differs, so focus inside is kept. */
export function syncChildren(container, nodes) {
  const current = [...container.children];
  const same = current.length === nodes.length && current.every((el, i) => el === nodes[i]);
  if (!same) container.replaceChildren(...nodes);
}
