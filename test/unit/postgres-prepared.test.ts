// Statements with parameters go as named statements, one name per text, so PostgreSQL parses them once per
// session; statements without (BEGIN, COMMIT) stay unnamed on the simple protocol.
import { describe, expect, it } from 'vitest';
import { prepared } from '../../src/store/postgres/prepared.js';

describe('prepared statements', () => {
  it('name a text the same way each time, and different texts differently', () => {
    const a = prepared('SELECT data FROM servers WHERE id = $1', ['srv-1']);
    const again = prepared('SELECT data FROM servers WHERE id = $1', ['srv-2']);
    const other = prepared('SELECT data FROM incidents WHERE id = $1', ['INC-000001']);
    expect(a.name).toMatch(/^esc_[0-9a-f]{24}$/);
    expect(again).toEqual({ name: a.name, text: a.text, values: ['srv-2'] });
    expect(other.name).not.toBe(a.name);
  });

  it('leave statements without parameters unnamed', () => {
    expect(prepared('BEGIN', [])).toEqual({ text: 'BEGIN' });
    expect(prepared('COMMIT')).toEqual({ text: 'COMMIT' });
  });
});
