// @vitest-environment jsdom
// The incident detail's management path (src/web/render-detail.js) with the names configuration gives:
// the demo's defaults are people's names, not "(name of the Head of Support)", and a step configured
// without a name says so instead of showing nothing or a placeholder.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import { renderDetailFacts } from '../../src/web/render-detail.js';

interface Root { textContent: string | null; querySelectorAll(s: string): ArrayLike<Root> }
const { document } = globalThis as unknown as { document: { createElement(tag: string): Root } };

const NOW = Date.parse('2026-11-30T10:00:00Z');
const incident = {
  id: 'INC-000001', level: 3, priority: 'P2', status: 'open', type: 'fault', title: 'backup failed', serverId: 'srv-1', customerId: 'acme',
  createdAt: '2026-11-30T09:00:00Z', updatedAt: '2026-11-30T09:00:00Z', timeline: [], management: { step: 1, history: [] },
};

function ctxWith(steps: unknown[]) {
  return {
    now: NOW, may: () => false, customerName: (id: string) => id, customer: () => undefined, serverName: (id: string) => id, server: () => undefined,
    policy: { management: { steps } }, softwareFailed: () => false, errors: new Map(), loading: false, loadError: null, diagOpen: false, partial: false,
  };
}

function stepTexts(steps: unknown[]): string[] {
  const summary = document.createElement('div');
  const body = document.createElement('div');
  renderDetailFacts(summary, body, incident, ctxWith(steps));
  return Array.from(body.querySelectorAll('.mgmt-title')).map((el) => el.textContent ?? '');
}

describe('management path names', () => {
  it('ships the demo with people\'s names for steps 2–4, not placeholders', () => {
    const steps = configSchema.parse({}).management.steps;
    expect(steps.map((s) => s.step)).toEqual([2, 3, 4]);
    for (const s of steps) {
      expect(s.contact.name).not.toMatch(/[()]|name of/i);
      expect(s.contact.name).toMatch(/^\p{Lu}\p{L}+ \p{Lu}[\p{L}'-]+$/u);
    }
  });

  it('shows a step\'s contact by name, and a step configured without one as not named', () => {
    const texts = stepTexts([
      { step: 1, title: 'Support Team', contactName: null },
      { step: 2, title: 'Head of Support', contactName: 'Dana Whitfield' },
      { step: 3, title: 'VP Customer Success', contactName: '  ' },
      { step: 4, title: 'Chief Operations Architect', contactName: null },
    ]);
    expect(texts).toEqual([
      'Step 1: Support Team',
      'Step 2: Head of Support — Dana Whitfield',
      'Step 3: VP Customer Success — no contact named',
      'Step 4: Chief Operations Architect — no contact named',
    ]);
  });
});
