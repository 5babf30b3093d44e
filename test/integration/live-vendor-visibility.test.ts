// The vendor (l3) works levels 3–4: over the live feed it gets their events and, in its hello snapshot,
// their incidents only — nothing of the Service Provider's L1/L2 work — whatever filter it subscribes with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Role } from '../../src/domain/types.js';
import { componentOf, setConsoleComponent, startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';

interface Frame { type: string; seq?: number; data?: { incident?: { level: number; id: string } }; snapshot?: { incidents: Array<{ level: number; id: string }> } }

function connect(d: InProcessDaemon, role: Role): Promise<{ frames: Frame[]; ws: WebSocket }> {
  const ws = new WebSocket(`${d.url.replace('http', 'ws')}/api/v1/live`, { headers: { authorization: `Bearer ${d.tokens[role]}` } });
  const frames: Frame[] = [];
  ws.on('message', (m) => frames.push(JSON.parse(String(m)) as Frame));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ frames, ws }));
    ws.once('error', reject);
  });
}

describe('live feed for the vendor', () => {
  let d: InProcessDaemon;
  beforeAll(async () => {
    d = await startDaemonInProcess();
    await d.daemon.pollers!.get('sim')!.pollNow();
    // An L2 incident (hardware) exists before anyone connects.
    await setConsoleComponent(d, 'srv-0001', componentOf(d, 'srv-0001', 'hardware'), 'failed');
  });
  afterAll(() => d.stop());

  it('shows l3 only incidents at levels 3-4, in the snapshot and in the events, while l2 sees both', async () => {
    const vendor = await connect(d, 'l3');
    const desk = await connect(d, 'l2');
    await waitFor(() => vendor.frames.some((f) => f.type === 'hello') && desk.frames.some((f) => f.type === 'hello'));
    // What each knows: its snapshot, then the events after it (the snapshot may be a moment old).
    const levelsKnown = (c: { frames: Frame[] }) => c.frames.flatMap((f) => [...(f.snapshot?.incidents ?? []), ...(f.data?.incident ? [f.data.incident] : [])]).map((i) => i.level);
    await waitFor(() => levelsKnown(desk).includes(2), { what: 'the L2 incident at the desk' });
    const vendorHello = vendor.frames.find((f) => f.type === 'hello')!;
    expect(vendorHello.snapshot!.incidents.every((i) => i.level >= 3)).toBe(true);
    // Asking for everything widens nothing.
    vendor.ws.send(JSON.stringify({ type: 'subscribe', filter: { levels: [1, 2, 3, 4] } }));

    await setConsoleComponent(d, 'srv-0002', componentOf(d, 'srv-0002', 'hardware'), 'failed'); // L2
    await setConsoleComponent(d, 'srv-0003', componentOf(d, 'srv-0003', 'software'), 'failed'); // L3
    await waitFor(() => desk.frames.filter((f) => f.type === 'incident.created').length >= 2, { what: 'both incidents at the desk' });
    await waitFor(() => vendor.frames.some((f) => f.type === 'incident.created'), { what: 'the L3 incident at the vendor' });
    const seen = levelsKnown(vendor);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((level) => level >= 3)).toBe(true);
    expect(vendor.frames.some((f) => f.type === 'component.changed')).toBe(false);
    vendor.ws.close();
    desk.ws.close();
  });
});
