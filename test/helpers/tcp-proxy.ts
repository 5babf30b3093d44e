// A TCP proxy on 127.0.0.1 in front of a real server, so a test can take the network away from one
// client without stopping the server: `cut` resets every open connection and refuses new ones (a
// connection reset: both ends learn at once); `freeze` silently drops everything on the open ones and
// refuses new ones (a partition: neither end learns until a timeout says so).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Resets every connection through the proxy and refuses new ones until `restore`. */
  cut(): void;
  /** Drops every byte on the open connections without closing them, and refuses new ones until `restore`. */
  freeze(): void;
  /** Accepts new connections again (connections frozen meanwhile have lost bytes: they stay broken). */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let down = false;
  let frozen = false;
  const server: Server = createServer((inbound) => {
    if (down) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        // In a partition the far end does not learn that this end closed.
        if (frozen) return;
        inbound.destroy();
        outbound.destroy();
      });
      s.on('error', () => undefined);
    }
    inbound.on('data', (d) => void (frozen || outbound.write(d)));
    outbound.on('data', (d) => void (frozen || inbound.write(d)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      down = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    freeze() {
      down = true;
      frozen = true;
    },
    restore() {
      down = false;
      frozen = false;
    },
    close() {
      down = true;
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
