// config/ produces the domain's policies from the parsed YAML; domain/ knows nothing of the schema.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { domainPolicies } from '../../src/config/to-domain.js';
import { CalendarError } from '../../src/domain/calendar.js';

const parse = (raw: unknown) => configSchema.parse(raw);

describe('domainPolicies', () => {
  it('turns the routing section into the routing policy of DESIGN §5', () => {
    const p = domainPolicies(parse({ routing: { degradedGrace: '5m', degradedPriority: 'P4', autoResolveAfter: '10m' } }));
    expect(p.routing).toEqual({
      degradedGraceMs: 300_000, softwareFailurePriority: 'P2', multipleSoftwareFailuresPriority: 'P1',
      hardwarePriority: 'P2', unreachablePriority: 'P2', degradedPriority: 'P4',
    });
    expect(p.autoResolveAfterMs).toBe(600_000);
  });

  it('leaves auto-resolve off unless routing.autoResolveAfter is set', () => {
    expect(domainPolicies(parse({})).autoResolveAfterMs).toBeUndefined();
  });

  it('reads SLA targets in d as working days and others as working time', () => {
    const p = domainPolicies(parse({}));
    expect(p.sla.target('P1', 'response')).toEqual({ ms: 1_800_000 });
    expect(p.sla.target('P4', 'resolution')).toEqual({ days: 10 });
    expect(p.sla.calendarFor('P1').id).toBe('24x7');
    expect(p.sla.calendarFor('P3').id).toBe('business');
    expect(p.sla.warnAt).toBe(0.75);
  });

  it('times the management path on management.workingDay', () => {
    const p = domainPolicies(parse({ management: { stepWindow: '2d', attempts: 3 } }));
    expect(p.management).toMatchObject({ stepWindow: { days: 2 }, attempts: 3 });
    expect(p.management.calendar.id).toBe('business');
  });

  it('maps each request type to its catalogue level', () => {
    const p = domainPolicies(parse({ requests: [{ type: 'password-reset', level: 1 }, { type: 'restore', level: 3 }] }));
    expect([...p.requestLevels]).toEqual([['password-reset', 1], ['restore', 3]]);
    expect(p.requestLevels.get('__proto__')).toBeUndefined();
  });

  it.each([
    ['management.workingDay names an unknown calendar', { management: { workingDay: 'nowhere' } }, /management\.workingDay: unknown calendar "nowhere"/],
    ['an SLA priority names an unknown calendar', { sla: { priorities: { P3: { respond: '4h', progressEvery: '1d', resolve: '3d', calendar: 'nowhere' } } } }, /sla\.priorities\.P3\.calendar: unknown calendar "nowhere"/],
  ])('refuses a configuration where %s, naming the path', (_line, raw, message) => {
    const build = () => domainPolicies(parse(raw));
    expect(build).toThrow(CalendarError);
    expect(build).toThrow(message);
  });
});
