// The dashboard's permissions (src/web/auth.js): what the page offers a role comes from the daemon's role
// table (GET /api/v1/roles) alone, never from a list of roles written into the page.
import { describe, expect, it } from 'vitest';
import { ACTION_RULES, rolesTable } from '../../src/http/routes/reference-routes.js';
import { ROLES } from '../../src/domain/types.js';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as A from '../../src/web/auth.js';

const incidentAt = (level: number) => ({ id: 'INC-1', level });

describe('permissionsFor', () => {
  it('offers logging to exactly the roles the daemon\'s table lets log', () => {
    const table = rolesTable();
    const logRule = ACTION_RULES.find((r) => r.action === 'log')!;
    for (const role of ROLES) expect(A.permissionsFor(role, table).may('log'), role).toBe(logRule.roles.includes(role));
  });

  it('follows the table when it changes: a role the table lets log may log, whatever its name', () => {
    const table = {
      items: [{ role: 'l3', levels: [3, 4], actions: ['log', 'acknowledge'] }, { role: 'l1', levels: [1], actions: ['acknowledge'] }],
      actions: [{ action: 'log', levelChecked: false }, { action: 'acknowledge', levelChecked: true }],
    };
    expect(A.permissionsFor('l3', table).may('log')).toBe(true);
    expect(A.permissionsFor('l1', table).may('log')).toBe(false);
    expect(A.permissionsFor('l3', table).may('acknowledge', incidentAt(3))).toBe(true);
    expect(A.permissionsFor('l3', table).may('acknowledge', incidentAt(2))).toBe(false);
  });

  it('offers nothing without the table rather than guessing who is staff', () => {
    for (const role of ['l1', 'l2', 'l3', 'admin', 'viewer']) {
      const perms = A.permissionsFor(role, null);
      expect(perms.known, role).toBe(false);
      expect(perms.acts, role).toBe(false);
      expect(perms.may('acknowledge', incidentAt(1)), role).toBe(false);
      expect(perms.may('log'), role).toBe(false);
    }
  });
});
