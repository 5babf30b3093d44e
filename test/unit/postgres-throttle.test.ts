// Background errors against a database that is down are reported once, then at most every interval.
import { describe, expect, it } from 'vitest';
import { throttleErrors } from '../../src/store/postgres/throttle.js';

describe('throttleErrors', () => {
  it('reports the first error of each kind at once and then one per interval, counting those left out', () => {
    let t = 0;
    const seen: string[] = [];
    const report = throttleErrors((_err, what) => seen.push(`${t}: ${what}`), 30_000, () => t);
    for (t = 0; t <= 65_000; t += 1_000) report(new Error('ECONNREFUSED'), 'the LISTEN session');
    t = 5_000;
    report(new Error('ECONNREFUSED'), 'numbering events');
    expect(seen).toEqual([
      '0: the LISTEN session',
      '30000: the LISTEN session (and 29 more like it since the last report)',
      '60000: the LISTEN session (and 29 more like it since the last report)',
      '5000: numbering events',
    ]);
  });
});
