import { describe, expect, it } from 'vitest';
import { MessageBudget } from '../../src/live/client-messages.js';

describe('MessageBudget', () => {
  it('allows the burst at once, then one message per refill interval, and never saves up more than the burst', () => {
    let now = 0;
    const budget = new MessageBudget({ perSecond: 4, burst: 3 }, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 250;
    expect([budget.take(), budget.take()]).toEqual([true, false]);
    now += 60_000;
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
  });

  it('does not refill when the clock goes backwards', () => {
    let now = 1_000;
    const budget = new MessageBudget({ perSecond: 10, burst: 1 }, () => now);
    expect(budget.take()).toBe(true);
    now = 0;
    expect(budget.take()).toBe(false);
  });
});
