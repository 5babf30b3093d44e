// A dashboard opened at any moment paints what the daemon holds at that moment: its hello snapshot is
// built after it connected, not whenever the last event happened to refresh it. (A page opened just after
// a poll once showed server ids instead of names and an old "last poll" for its console.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

interface Hello { type: string; snapshot: { servers: Array<{ id: string; name: string }>; consoles: Array<{ id: string; lastPollAt: string | null }> } }

function hello(d: InProcessDaemon): Promise<Hello> {
  const ws = new WebSocket(`${d.url.replace('http', 'ws')}/api/v1/live`, { headers: { authorization: `Bearer ${d.tokens.viewer}` } });
  return new Promise((resolve, reject) => {
    ws.once('message', (m) => {
      ws.close();
      resolve(JSON.parse(String(m)) as Hello);
    });
    ws.once('error', reject);
  });
}

describe('the live hello snapshot', () => {
  let d: InProcessDaemon;
  beforeAll(async () => {
    d = await startDaemonInProcess();
  });
  afterAll(() => d.stop());

  it('reflects a poll that finished just before the client connected, with every server by name', async () => {
    for (let round = 0; round < 3; round++) {
      const before = new Date().toISOString();
      await d.daemon.pollers!.get('sim')!.pollNow();
      const h = await hello(d);
      expect(h.type).toBe('hello');
      const sim = h.snapshot.consoles.find((c) => c.id === 'sim');
      expect(sim?.lastPollAt ?? '').toBeTruthy();
      expect(sim!.lastPollAt! >= before).toBe(true);
      const servers = (await (await d.api('viewer', 'GET', '/api/v1/servers')).json()) as { items: Array<{ id: string; name: string }> };
      expect(servers.items.length).toBeGreaterThan(0);
      expect(h.snapshot.servers.map((s) => [s.id, s.name]).sort()).toEqual(servers.items.map((s) => [s.id, s.name]).sort());
    }
  });
});
