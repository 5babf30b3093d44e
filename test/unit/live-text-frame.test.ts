// The hub encodes each event once; the bytes must be a frame any WebSocket client reads back.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { textFrame } from '../../src/live/live-session.js';

// ws exports its frame parser at run time but its type definitions do not declare it.
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: { isServer: boolean }) => Writable };

function decode(wire: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // ws's own parser, as a client (isServer false) reads server frames: unmasked.
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? reject(new Error('binary')) : resolve(data.toString())));
    receiver.on('error', reject);
    receiver.write(wire);
  });
}

describe('textFrame', () => {
  for (const size of [0, 125, 126, 65_535, 65_536, 200_000]) {
    it(`encodes a ${size}-byte text payload that a WebSocket client decodes unchanged`, async () => {
      const payload = 'x'.repeat(size);
      expect(await decode(textFrame(Buffer.from(payload)))).toBe(payload);
    });
  }
});
