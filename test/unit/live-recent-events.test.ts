import { describe, expect, test } from 'vitest';
import type { LoggedEvent } from '../../src/domain/types.js';
import { frameEvent, mergeSince, RecentEvents } from '../../src/live/recent-events.js';

const ev = (seq: number): LoggedEvent => ({ seq, at: `2026-11-25T10:00:${String(seq).padStart(2, '0')}Z`, type: 'console.up', data: { n: seq } });

describe('frameEvent', () => {
  test('puts type, seq, at and data on the wire, and scope only when the event has one', () => {
    expect(JSON.parse(frameEvent(ev(1)).toString())).toEqual({ type: 'console.up', seq: 1, at: '2026-11-25T10:00:01Z', data: { n: 1 } });
    expect(JSON.parse(frameEvent({ ...ev(2), scope: { level: 2 } }).toString()).scope).toEqual({ level: 2 });
  });
});

describe('RecentEvents', () => {
  test('keeps only the newest events up to its capacity and reuses their frames', () => {
    const recent = new RecentEvents(3);
    const frames = [1, 2, 3, 4].map((s) => recent.add(ev(s)));
    expect(recent.after(0).map((e) => e.seq).sort()).toEqual([2, 3, 4]);
    expect(recent.frameFor(ev(4))).toBe(frames[3]);
    expect(recent.frameFor(ev(1))).not.toBe(frames[0]);
  });
});

describe('mergeSince', () => {
  test('returns each seq after the resume point once, ascending, from the log and the recent events', () => {
    expect(mergeSince(2, [ev(1), ev(2), ev(3), ev(4)], [ev(5), ev(4), ev(6)]).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
  });
});
