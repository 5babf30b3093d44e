// A generated fleet of Cloud Managed Servers for the Monitoring Console simulator. Everything is derived
// from a seed so that two runs with the same options serve the same servers and the same faults.
import type { ComponentKind } from '../domain/types.js';

export interface ComponentSpec {
  name: string;
  kind: ComponentKind;
  /** Messages the console shows when the component fails or degrades; one is picked per fault. */
  failed: readonly string[];
  degraded: readonly string[];
}

export const COMPONENT_CATALOGUE: readonly ComponentSpec[] = [
  { name: 'domain-services', kind: 'software', failed: ['Active Directory Domain Services stopped unexpectedly', 'DNS server not answering on port 53'], degraded: ['AD replication lagging by 45 minutes'] },
  { name: 'file-services', kind: 'software', failed: ['SMB server service terminated (exit code 1067)', 'share D$ not reachable'], degraded: ['file share latency above 800 ms'] },
  { name: 'email', kind: 'software', failed: ['mail transport service stopped', 'mail queue stalled: 1204 messages deferred'], degraded: ['mail queue growing: 312 messages'] },
  { name: 'backup', kind: 'software', failed: ['backup job exited with code 3', 'backup target unreachable: offsite vault timed out'], degraded: ['last backup completed with warnings'] },
  { name: 'antivirus', kind: 'software', failed: ['real-time protection disabled', 'scan engine crashed'], degraded: ['signature definitions 3 days old'] },
  { name: 'update-agent', kind: 'software', failed: ['update agent not reporting', 'patch installation failed (0x80070643)'], degraded: ['4 updates pending a restart'] },
  { name: 'remote-access', kind: 'software', failed: ['VPN gateway not accepting connections', 'remote desktop gateway certificate expired'], degraded: ['VPN tunnel renegotiating frequently'] },
  { name: 'disks', kind: 'hardware', failed: ['disk 2 failed: SMART status BAD'], degraded: ['disk 1 SMART predictive failure: reallocated sectors rising'] },
  { name: 'raid', kind: 'hardware', failed: ['RAID array offline'], degraded: ['RAID-5 array degraded: member 2 missing', 'RAID rebuild in progress (37%)'] },
  { name: 'psu', kind: 'hardware', failed: ['power supply 2 failed'], degraded: ['power supply 1 lost input redundancy'] },
  { name: 'fans', kind: 'hardware', failed: ['fan 3 stopped'], degraded: ['fan 2 below minimum RPM'] },
  { name: 'memory', kind: 'hardware', failed: ['uncorrectable ECC error in DIMM B1'], degraded: ['correctable ECC errors above threshold in DIMM A2'] },
  { name: 'nic', kind: 'hardware', failed: ['link down on eth0'], degraded: ['eth1 negotiating at 100 Mb/s'] },
];

export const SOFTWARE_COMPONENTS = COMPONENT_CATALOGUE.filter((c) => c.kind === 'software');
export const HARDWARE_COMPONENTS = COMPONENT_CATALOGUE.filter((c) => c.kind === 'hardware');

const CUSTOMER_NAMES = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka', 'soylent', 'cyberdyne',
  'tyrell', 'aperture', 'oscorp', 'gringotts', 'vandelay', 'dunder', 'monarch', 'pied-piper', 'massive', 'nakatomi',
];
const SITES = ['hq', 'dc', 'branch', 'office', 'site'];

export interface FleetServer {
  id: string;
  name: string;
  customerId: string;
}

/** A small deterministic PRNG (mulberry32): plenty for fault dice, and reproducible from a seed. */
export type Random = () => number;
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of a string, to seed per-server details (diagnostics) without global state. */
export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export function customerIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i < CUSTOMER_NAMES.length ? CUSTOMER_NAMES[i] : `${CUSTOMER_NAMES[i % CUSTOMER_NAMES.length]}-${Math.floor(i / CUSTOMER_NAMES.length) + 1}`,
  );
}

/**
 * `servers` servers spread over `customers` customers. Servers are dealt out unevenly (the seed decides
 * each server's customer), as real customers have different sizes, but every customer gets at least one
 * server when there are enough servers.
 */
export function generateFleet(opts: { servers: number; customers: number; seed: number }): FleetServer[] {
  const random = seededRandom(opts.seed);
  const customers = customerIds(Math.min(opts.customers, opts.servers));
  const perCustomer = new Map<string, number>();
  const fleet: FleetServer[] = [];
  for (let i = 0; i < opts.servers; i++) {
    const customerId = i < customers.length ? customers[i] : pick(random, customers);
    const n = (perCustomer.get(customerId) ?? 0) + 1;
    perCustomer.set(customerId, n);
    const site = SITES[Math.floor((n - 1) / 99) % SITES.length];
    const number = String(((n - 1) % 99) + 1).padStart(2, '0');
    const suffix = n > 99 * SITES.length ? `-${Math.floor((n - 1) / (99 * SITES.length))}` : '';
    fleet.push({ id: `srv-${String(i + 1).padStart(4, '0')}`, name: `${customerId}-${site}-${number}${suffix}`, customerId });
  }
  return fleet;
}
