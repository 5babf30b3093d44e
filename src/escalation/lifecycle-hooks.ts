// What must happen on every incident transition besides the transition itself: the SLA clocks move,
// and the management path takes note. Implemented by ClocksAndManagement (escalation/clocks-and-management.ts).
import type { Incident } from '../domain/types.js';
import type { Tx } from '../store/transactor.js';

export type Transition =
  | { kind: 'created' }
  | { kind: 'acknowledged' }
  | { kind: 'progress' }
  | { kind: 'status'; from: Incident['status'] }
  | { kind: 'escalated'; from: number }
  | { kind: 'priority'; from: Incident['priority'] }
  | { kind: 'resolved' };

export interface LifecycleHooks {
  /** Returns the incident with its clocks updated for the transition that produced it; may emit events. */
  afterTransition(tx: Tx, incident: Incident, transition: Transition): Incident;
}

export const NO_HOOKS: LifecycleHooks = { afterTransition: (_tx, incident) => incident };
