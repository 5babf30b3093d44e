// The role table the dashboard reads (GET /api/v1/roles, from ACTION_RULES and the domain's access rule)
// against the real daemon's routes: for every action, role and incident level, the table says "may" exactly
// when the API does not refuse (403, or 404 for an incident the role may not see). A route that changes
// its roles without the table fails here, so the page never offers a button the daemon refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/types.js';
import { ACTION_RULES, rolesTable } from '../../src/http/routes/reference-routes.js';
import { serversOf, startDaemonInProcess, TEST_CONTACTS, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const PEOPLE: Role[] = ['viewer', 'l1', 'l2', 'l3', 'admin'];
const BODIES: Record<string, (level: number) => unknown> = {
  acknowledge: () => ({}),
  progress: () => ({ note: 'checking' }),
  status: () => ({ status: 'in-progress' }),
  escalate: (level) => ({ toLevel: level + 1, notes: 'reproduced and isolated to the server' }),
  resolve: () => ({ rootCause: 'other', note: 'done' }),
  complaint: () => ({ note: 'no answer for a day' }),
  'management.acknowledge': () => ({ step: 2 }),
  'ticket.retry': () => ({}),
};

let d: InProcessDaemon;
let server: string;

beforeAll(async () => {
  d = await startDaemonInProcess();
  server = serversOf(d, 'acme')[0];
});
afterAll(() => d?.stop());

async function post(role: Role, path: string, body: unknown): Promise<number> {
  const res = await d.api(role, 'POST', path, body);
  await res.body?.cancel();
  return res.status;
}

/** A fresh incident held at `level`: logged by the desk, escalated by admin (who may act at every level). */
async function incidentAt(level: number): Promise<string> {
  const res = await d.api('l1', 'POST', '/api/v1/incidents', { type: 'fault', customerId: 'acme', serverId: server, reporter: TEST_CONTACTS.acme, symptoms: ['slow logons'], newIncident: true });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  for (let to = 2; to <= level; to += 1) expect(await post('admin', `/api/v1/incidents/${id}/escalate`, BODIES.escalate(to - 1))).toBe(200);
  return id;
}

function tableSays(role: Role, action: string, level: number): boolean {
  const row = rolesTable().items.find((r) => r.role === role)!;
  const rule = ACTION_RULES.find((r) => r.action === action)!;
  return row.actions.includes(action) && (!rule.levelChecked || row.levels.includes(level as 1));
}

const refused = (status: number) => status === 401 || status === 403 || status === 404;

describe('the role table against the routes', () => {
  it('says who may log a fault exactly as POST /api/v1/incidents does', async () => {
    for (const role of PEOPLE) {
      const status = await post(role, '/api/v1/incidents', { type: 'fault', customerId: 'acme', serverId: server, reporter: TEST_CONTACTS.acme, symptoms: ['x'], newIncident: true });
      expect({ role, refused: refused(status) }).toEqual({ role, refused: !tableSays(role, 'log', 1) });
    }
  });

  it.each([1, 2, 3])('says who may take each action on an incident at L%i exactly as the API does', async (level) => {
    const mismatches: string[] = [];
    for (const rule of ACTION_RULES.filter((r) => r.action !== 'log')) {
      for (const role of PEOPLE) {
        const id = await incidentAt(level);
        const status = await post(role, rule.path.replace('{id}', id), BODIES[rule.action](level));
        if (refused(status) === tableSays(role, rule.action, level)) mismatches.push(`${role} ${rule.action} at L${level}: API ${status}, table ${tableSays(role, rule.action, level) ? 'may' : 'may not'}`);
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});
