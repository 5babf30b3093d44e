// Who sees and acts on what, by the support model (DESIGN §1, §8). The Service Provider's own staff see
// every incident of their customers; the vendor (`l3`) works the incidents held at its levels, L3 and L4,
// and sees nothing of the Service Provider's own L1/L2 work (nor its reporters' contact details there).
import { ForbiddenError } from './errors.js';
import { ROLE_LEVELS } from './incident.js';
import type { Level, Role } from './types.js';

/** The incident levels a role may read; null means every level. */
export function visibleLevels(role: Role): readonly Level[] | null {
  return role === 'l3' ? VENDOR_LEVELS : null;
}

const VENDOR_LEVELS: readonly Level[] = [3, 4];

export function mayRead(role: Role, level: Level): boolean {
  const levels = visibleLevels(role);
  return levels === null || levels.includes(level);
}

/** A role acts on incidents at its own level and below, except the vendor, which acts on L3 and L4 only. */
export function mayAct(role: Role, level: Level): boolean {
  return ROLE_LEVELS[role] >= level && mayRead(role, level);
}

export function assertMayActOn(role: Role, level: Level, what: string): void {
  if (!mayAct(role, level)) throw new ForbiddenError(`role "${role}" may not ${what} an incident held at level ${level}`, { role, level });
}
