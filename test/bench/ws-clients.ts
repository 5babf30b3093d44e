// A child process holding some of the fan-out benchmark's WebSocket clients. On two cores the clients
// share the machine with the daemon, so they are kept as cheap as a client can be: a raw socket, the
// RFC 6455 handshake, and a frame reader that looks only at the head of each text frame
// (`{"type":…,"seq":N,"at":"…"`) — the cost being measured is the daemon's, not the test rig's.
import { connect as tcpConnect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

const [url, token, countText] = process.argv.slice(2);
const { hostname, port, pathname } = new URL(url);
const count = Number(countText);
const HEAD = /^\{"type":"component\.changed","seq":(\d+),"at":"([^"]+)"/;
const histogram = new Map<number, number>(); // latency ms → deliveries
const clients: Array<{ socket: Socket; seqs: Set<number>; open: boolean }> = [];

function pong(socket: Socket, payload: Buffer): void {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | masked.length]), mask, masked]));
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname);
    const client = { socket, seqs: new Set<number>(), open: false };
    clients.push(client);
    let buffer: Buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buffer.subarray(0, 12).toString().includes('101')) return reject(new Error(buffer.subarray(0, end).toString()));
        upgraded = true;
        client.open = true;
        buffer = buffer.subarray(end + 4);
      }
      let offset = 0;
      while (buffer.length - offset >= 2) {
        const opcode = buffer[offset] & 0x0f;
        let len = buffer[offset + 1] & 0x7f;
        let head = 2;
        if (len === 126) {
          if (buffer.length - offset < 4) break;
          len = buffer.readUInt16BE(offset + 2);
          head = 4;
        } else if (len === 127) {
          if (buffer.length - offset < 10) break;
          len = Number(buffer.readBigUInt64BE(offset + 2));
          head = 10;
        }
        if (buffer.length - offset < head + len) break;
        const start = offset + head;
        if (opcode === 0x1) {
          const text = buffer.toString('latin1', start, Math.min(start + 120, start + len));
          if (text.startsWith('{"type":"hello"')) resolve();
          const m = HEAD.exec(text);
          if (m) {
            client.seqs.add(Number(m[1]));
            const ms = Date.now() - Date.parse(m[2]);
            histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
          }
        } else if (opcode === 0x9) pong(socket, buffer.subarray(start, start + len));
        else if (opcode === 0x8) client.open = false;
        offset = start + len;
      }
      buffer = buffer.subarray(offset);
    });
    socket.on('close', () => (client.open = false));
    socket.on('error', reject);
  });
}

async function connectAll(): Promise<void> {
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
}

process.on('message', (msg: string) => {
  if (msg !== 'report') return;
  const union = new Set<number>();
  for (const c of clients) for (const s of c.seqs) union.add(s);
  process.send!({ open: clients.filter((c) => c.open).length, counts: clients.map((c) => c.seqs.size), union: [...union], histogram: [...histogram] });
  for (const c of clients) c.socket.destroy();
  setTimeout(() => process.exit(0), 100);
});

connectAll().then(() => process.send!('ready'), (err: Error) => {
  process.send!({ error: err.message });
  process.exit(1);
});
