// Plausible diagnostics for one component, as a Monitoring Console would collect them: a summary, a log
// tail, recent metrics and versions. Built on request (a few dozen small objects) and seeded from the
// server, the component and its `since`, so the same fault shows the same evidence every time it is fetched.
import type { ReportedComponent } from '../domain/types.js';
import { hashString, pick, seededRandom, type FleetServer, type Random } from './fleet.js';

const VERSIONS: Record<string, string> = {
  'domain-services': 'AD DS 10.0.20348.2655',
  'file-services': 'SMB 3.1.1 / DFS-R 10.0.20348',
  email: 'Mail Transport 15.2.1544.4',
  backup: 'Backup Agent 12.4.7',
  antivirus: 'Endpoint Protection 4.18.24090 (engine 1.1.24090.11)',
  'update-agent': 'Update Agent 7.9.1',
  'remote-access': 'Remote Access Gateway 10.0.20348 / OpenVPN 2.6.12',
  disks: 'firmware GXA2 (4 × 2 TB SAS)',
  raid: 'controller firmware 52.26.0-5179',
  psu: 'PSU firmware 00.1D.7D (2 × 750 W)',
  fans: 'BMC 7.10.30.00',
  memory: 'BIOS 2.21.2 (64 GB ECC DDR4)',
  nic: 'driver 23.0.0.4 / firmware 22.31.6',
};

const ROUTINE: Record<string, readonly string[]> = {
  software: ['service heartbeat ok', 'health probe passed', 'configuration unchanged', 'scheduled task completed', 'connection pool at 12/64'],
  hardware: ['sensor poll ok', 'BMC event log checked: no new entries', 'temperatures within limits', 'SMART attributes read', 'redundancy check passed'],
};

export interface DiagnosticsInput {
  server: FleetServer;
  reachable: boolean;
  component: ReportedComponent;
  now: Date;
}

export function buildDiagnostics(input: DiagnosticsInput): Record<string, unknown> {
  const { server, component, now } = input;
  const random = seededRandom(hashString(`${server.id}/${component.name}/${component.since ?? ''}`));
  return {
    serverId: server.id,
    serverName: server.name,
    customerId: server.customerId,
    component: component.name,
    kind: component.kind,
    status: component.status,
    since: component.since,
    collectedAt: now.toISOString(),
    summary: summary(component),
    versions: { os: 'Windows Server 2022 Standard 21H2 (build 20348.2700)', agent: 'Console Agent 5.12.3', component: VERSIONS[component.name] ?? 'unknown' },
    metrics: metrics(random, component),
    logTail: logTail(random, component, now),
  };
}

function summary(component: ReportedComponent): string {
  if (component.status === 'ok') return `${component.name} is healthy`;
  return `${component.name} ${component.status} since ${component.since}: ${component.message ?? 'no detail reported'}`;
}

function metrics(random: Random, component: ReportedComponent): Record<string, unknown> {
  const troubled = component.status !== 'ok';
  const series = (base: number, spread: number) =>
    Array.from({ length: 15 }, () => Math.min(100, Math.round((base + random() * spread) * 10) / 10));
  const out: Record<string, unknown> = {
    window: '15m',
    intervalSeconds: 60,
    cpuPercent: series(troubled ? 55 : 8, troubled ? 40 : 20),
    memoryPercent: series(troubled ? 70 : 40, 15),
    diskUsedPercent: { 'C:': Math.round(45 + random() * 30), 'D:': Math.round(30 + random() * 60) },
    uptimeSeconds: Math.round(86_400 * (1 + random() * 40)),
  };
  if (component.kind === 'hardware') {
    out.temperaturesCelsius = { inlet: Math.round(20 + random() * 6), cpu: Math.round(45 + random() * (troubled ? 40 : 15)) };
    if (component.name === 'disks' || component.name === 'raid') {
      out.smart = { reallocatedSectors: troubled ? Math.round(50 + random() * 400) : 0, pendingSectors: troubled ? Math.round(random() * 40) : 0 };
    }
  }
  return out;
}

function logTail(random: Random, component: ReportedComponent, now: Date): Array<{ at: string; level: string; source: string; message: string }> {
  const lines: Array<{ at: string; level: string; source: string; message: string }> = [];
  let at = now.getTime();
  const troubled = component.status !== 'ok';
  for (let i = 0; i < 12; i++) {
    at -= Math.round(20_000 + random() * 70_000);
    const severe = troubled && i < 3;
    lines.push({
      at: new Date(at).toISOString(),
      level: severe ? (component.status === 'failed' ? 'error' : 'warn') : 'info',
      source: component.name,
      message: severe ? (component.message ?? `${component.name} reported ${component.status}`) : pick(random, ROUTINE[component.kind]),
    });
  }
  return lines.reverse();
}
