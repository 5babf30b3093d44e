// @vitest-environment jsdom
// h() (src/web/dom.js) is the one way data reaches the dashboard's DOM: hostile strings from the daemon,
// the console or the ticketing system must arrive as text, never as markup, script or a live link.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import { h, safeUrl } from '../../src/web/dom.js';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import { ticketLink } from '../../src/web/widgets.js';

// The test tsconfig has no DOM types; jsdom provides these at run time.
interface MiniElement { remove(): void; querySelectorAll(selector: string): { length: number } }
const { document, window } = globalThis as unknown as { document: { body: { append(el: MiniElement): void }; querySelectorAll(s: string): { length: number } }; window: { pwned?: number } };

const HOSTILE = [
  '<img src=x onerror="window.pwned=1">',
  '<script>window.pwned=1</script>',
  '"><svg onload=window.pwned=1>',
  "'; window.pwned=1; '",
  '</dd></dl><iframe srcdoc="<script>parent.pwned=1</script>">',
  '&lt;b&gt;entity&lt;/b&gt; &amp;',
  '{{constructor.constructor("window.pwned=1")()}}',
  '\u202Egnp.exe',
];

describe('h()', () => {
  it.each(HOSTILE)('puts %j in as text: no element is made and the text reads back unchanged', (text) => {
    const el = h('li', { class: 'card', title: text, dataset: { id: text } }, h('span', {}, text), text);
    document.body.append(el);
    expect(el.querySelectorAll('*').length).toBe(1); // the one span h() made, nothing parsed from the data
    expect(el.textContent).toBe(text + text);
    expect(el.getAttribute('title')).toBe(text);
    expect(el.dataset.id).toBe(text);
    expect(document.querySelectorAll('img, script, svg, iframe').length).toBe(0);
    expect(window.pwned).toBeUndefined();
    el.remove();
  });

  it('sets a URL attribute only for http(s), mailto, tel or a fragment', () => {
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>1</script>', 'vbscript:x', '//evil.example/x', 'relative/path']) {
      expect(h('a', { href: bad }, 'x').hasAttribute('href'), bad).toBe(false);
    }
    expect(h('a', { href: 'https://tickets.example/T-1' }).getAttribute('href')).toBe('https://tickets.example/T-1');
    expect(h('a', { href: 'mailto:jo@acme.example' }).getAttribute('href')).toBe('mailto:jo@acme.example');
    expect(h('a', { href: '#incident=INC-000042' }).getAttribute('href')).toBe('#incident=INC-000042');
  });

  it('refuses an event handler given as a string, and attributes that load or run content', () => {
    expect(() => h('button', { onclick: 'window.pwned=1' })).toThrow(TypeError);
    expect(() => h('button', { onClick: 'window.pwned=1' })).toThrow(TypeError);
    for (const key of ['src', 'srcdoc', 'style', 'innerHTML']) expect(() => h('div', { [key]: 'x' }), key).toThrow(TypeError);
  });

  it('wires an event handler given as a function', () => {
    let clicks = 0;
    const button = h('button', { onclick: () => { clicks += 1; } }, 'Go');
    button.click();
    expect(clicks).toBe(1);
    expect(button.hasAttribute('onclick')).toBe(false);
  });

  it('leaves out null, undefined and false children and attributes, and flattens arrays', () => {
    const el = h('p', { title: null, hidden: false, 'aria-label': undefined }, null, ['a', false, ['b', undefined]], 0);
    expect(el.outerHTML).toBe('<p>ab0</p>');
  });
});

describe('safeUrl', () => {
  it('normalises a good URL and refuses everything that could run code', () => {
    expect(safeUrl('http://tickets.example/a b')).toBe('http://tickets.example/a%20b');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('mailto:a@b.example')).toBeNull();
    expect(safeUrl('mailto:a@b.example', ['mailto:'])).toBe('mailto:a@b.example');
    expect(safeUrl(undefined)).toBeNull();
  });
});

describe('ticketLink', () => {
  it('links a ticket only when the ticketing system gave an http(s) URL; otherwise shows its id as text', () => {
    const good = ticketLink({ id: 'T-1', url: 'https://tickets.example/T-1', state: 'created' });
    expect(good.tagName).toBe('A');
    expect(good.getAttribute('href')).toBe('https://tickets.example/T-1');
    expect(good.getAttribute('rel')).toBe('noopener noreferrer');
    const evil = ticketLink({ id: 'T-2', url: 'javascript:alert(document.domain)', state: 'created' });
    expect(evil.tagName).toBe('SPAN');
    expect(evil.textContent).toBe('T-2');
    expect(evil.querySelector('a')).toBeNull();
    expect(ticketLink({ id: null, url: 'https://x.example', state: 'pending' })).toBeNull();
  });
});
