/* global Node */
// A tiny element builder. Text always goes through text nodes, never innerHTML, so data from the daemon
// (titles, messages, names) can never inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'hidden') el.hidden = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
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
