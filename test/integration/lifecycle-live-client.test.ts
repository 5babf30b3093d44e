// Stopping the daemon while dashboards are connected: the live clients sit on upgraded sockets the HTTP
// server no longer counts, so they must be closed by the hub, not waited for.
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDaemonInProcess } from '../helpers/daemon-in-process.js';

it('stops within moments while a live client is connected, and the client sees the close', async () => {
  const d = await startDaemonInProcess();
  const ws = new WebSocket(`${d.url.replace('http', 'ws')}/api/v1/live`, { headers: { authorization: `Bearer ${d.tokens.l2}` } });
  await new Promise((r) => ws.once('open', r));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  const started = Date.now();
  await d.stop();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await closed).toBeGreaterThanOrEqual(1000);
});
