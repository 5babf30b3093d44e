// Crash drills on the compiled daemon as a child process, killed with SIGKILL (a power cut, an OOM kill):
// once between the outbox commit and the ticketing system's answer, once in the middle of a webhook stream.
// After a restart on the same store nothing answered 202 is lost and no ticket exists twice.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import { ConsoleSimulator } from '../../src/simulator/console-simulator.js';
import { TicketingSimulator } from '../../src/simulator/ticketing-simulator.js';
import { HeldTicketing } from '../fixtures/drills/held-ticketing.js';
import { drillConfig, getJson, postSigned, report, tickets, TOKENS } from '../fixtures/drills/kit.js';
import { killAllDaemons, startDaemonProcess } from '../helpers/daemon-process.js';
import { sleep, waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

const silent = pino({ level: 'silent' });

async function allIncidents(url: string): Promise<Incident[]> {
  const out: Incident[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Incident[]; nextCursor: string | null } = await getJson(`${url}/api/v1/incidents?status=all&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe('crash drills', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-drill-');

  afterEach(async () => {
    await killAllDaemons();
  });

  it('sends a ticket whose create was in flight at a SIGKILL exactly once after the restart, with the incident id as Idempotency-Key both times', async () => {
    const consoleSim = new ConsoleSimulator({ servers: 3, customers: 1, faultRate: 0, faults: false, faultInterval: 3_600_000, logger: silent });
    const ticketing = new HeldTicketing();
    try {
      const consoleUrl = (await consoleSim.start()).url;
      await ticketing.start();
      ticketing.holdCreates = 1;
      // The failure is there before the daemon starts: its first poll opens the incident, nobody touches anything.
      consoleSim.setComponent('srv-0002', 'backup', 'failed', 'backup job exited with code 3');
      const config = drillConfig(tmp().path, {
        consoles: [{ id: 'sim', url: consoleUrl, pollInterval: '1h', timeout: '30s' }],
        // Long enough that the held create is still in flight when the kill comes.
        ticketing: { adapter: 'generic', url: ticketing.url, timeout: '60s', backoffBase: '50ms', backoffCap: '500ms', breakerCooldown: '300ms' },
      });

      const first = await startDaemonProcess({ configYaml: config, dir: tmp().path });
      await waitFor(() => ticketing.creates().length === 1, { what: 'the first create to arrive' });
      await sleep(100);
      const killed = await first.kill();
      expect(killed.signal).toBe('SIGKILL');
      expect(ticketing.creates()).toHaveLength(1);

      const second = await startDaemonProcess({ configYaml: config, dir: tmp().path });
      const incident = await waitFor(async () => {
        const [i] = await allIncidents(second.url);
        return i?.ticket?.state === 'created' ? i : null;
      }, { what: 'the restarted daemon to record the ticket' });
      await sleep(300);

      const creates = ticketing.creates();
      expect(creates).toHaveLength(2);
      expect(creates.map((c) => c.idempotencyKey)).toEqual([incident.id, incident.id]);
      expect(creates.map((c) => c.body.externalId)).toEqual([incident.id, incident.id]);
      expect([...ticketing.tickets.entries()]).toEqual([[incident.id, 'T-1']]);
      expect(incident.ticket?.id).toBe('T-1');
      expect(await allIncidents(second.url)).toHaveLength(1);
      await second.stop();
    } finally {
      await ticketing.stop();
      await consoleSim.stop();
    }
  }, 60_000);

  it('keeps every webhook report answered 202 across a SIGKILL mid-stream, and files no ticket twice', async () => {
    const ticketing = new TicketingSimulator({ logger: silent });
    try {
      const ticketingUrl = (await ticketing.start()).url;
      const config = drillConfig(tmp().path, {
        ticketing: { adapter: 'generic', url: ticketingUrl, timeout: '30s', backoffBase: '50ms', backoffCap: '500ms', breakerCooldown: '300ms' },
      });
      const first = await startDaemonProcess({ configYaml: config, dir: tmp().path });

      // Each report is a server of its own, so every 202 leaves exactly one thing to look for.
      const accepted: Array<{ serverId: string; status: 'failed' | 'degraded' | 'ok' }> = [];
      let sent = 0;
      let killedAt = -1;
      const statuses = ['failed', 'ok', 'degraded', 'ok', 'ok'] as const;
      const worker = async () => {
        while (killedAt < 0 && sent < 5_000) {
          const n = sent++;
          const serverId = `srv-load-${String(n).padStart(5, '0')}`;
          const status = statuses[n % statuses.length];
          try {
            const res = await postSigned(first.url, report(serverId, [{ name: 'backup', kind: 'software', status }]), randomUUID());
            if (res.status === 202) accepted.push({ serverId, status });
            await res.body?.cancel();
          } catch {
            // Killed mid-request: the outcome is unknown and the sender would retry; not counted either way.
          }
        }
      };
      const workers = Array.from({ length: 12 }, worker);
      await waitFor(() => accepted.length >= 300, { timeoutMs: 20_000, what: '300 accepted reports' });
      killedAt = accepted.length;
      const killed = await first.kill();
      await Promise.all(workers);
      expect(killed.signal).toBe('SIGKILL');

      const second = await startDaemonProcess({ configYaml: config, dir: tmp().path });
      // Every 202 is in the store with the component state it reported.
      const missing: string[] = [];
      for (let i = 0; i < accepted.length; i += 25) {
        await Promise.all(accepted.slice(i, i + 25).map(async ({ serverId, status }) => {
          const res = await fetch(`${second.url}/api/v1/servers/${serverId}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
          const body = res.ok ? ((await res.json()) as { components: Array<{ name: string; status: string }> }) : null;
          if (body?.components.find((c) => c.name === 'backup')?.status !== status) missing.push(`${serverId} (${res.status})`);
        }));
      }
      expect(missing).toEqual([]);

      // Every software failure became one incident with one ticket, sent after the restart if not before.
      const failedServers = new Set(accepted.filter((a) => a.status === 'failed').map((a) => a.serverId));
      const ticketed = await waitFor(async () => {
        const all = await allIncidents(second.url);
        const withTicket = all.filter((i) => i.ticket?.state === 'created');
        return withTicket.length >= failedServers.size && withTicket.length === all.filter((i) => i.ticket).length ? all : null;
      }, { timeoutMs: 20_000, what: 'every ticket to be created' });
      for (const s of failedServers) expect(ticketed.filter((i) => i.serverId === s)).toHaveLength(1);
      await sleep(300);
      const filed = await tickets(ticketingUrl);
      const byExternalId = new Map<string, number>();
      const byServer = new Map<string, number>();
      for (const t of filed) {
        byExternalId.set(t.externalId, (byExternalId.get(t.externalId) ?? 0) + 1);
        byServer.set(t.serverId, (byServer.get(t.serverId) ?? 0) + 1);
      }
      expect([...byExternalId.values()].filter((n) => n > 1)).toEqual([]);
      expect([...byServer.entries()].filter(([, n]) => n > 1)).toEqual([]);
      for (const s of failedServers) expect(byServer.get(s)).toBe(1);
      expect(filed.length).toBe(ticketed.filter((i) => i.ticket).length);
      await second.stop();
    } finally {
      await ticketing.stop();
    }
  }, 90_000);
});
