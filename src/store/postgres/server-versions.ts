// Servers as this instance last read them, by row version, for `peekMany`: a steady fleet's reports
// confirm what is stored, and deciding that costs PostgreSQL one index lookup per server and the daemon
// nothing to parse. A row version is the tuple's xmin (the transaction that wrote it) with its ctid (where
// it lies): every write of a row makes a new tuple, so a version names one record — also two writes by one
// transaction, whose tuples lie apart. A version read inside a unit that is rolled back never comes back
// from another read, so remembering it is harmless.
import type { Server } from '../port.js';

export interface Remembered {
  readonly version: string;
  readonly server: Server;
  /** `{"id":…,"v":…}`, as a peek sends it: written once per version, not once per peek. */
  readonly asked: string;
}

export class ServerVersions {
  private readonly byId = new Map<string, Remembered>();

  /** At most `max` servers are remembered (the inventory has its own bound; this one only guards memory). */
  constructor(private readonly max = 200_000) {}

  /** What is remembered of this id: the version a read sends, and what a matching version stands for. */
  get(id: string): Remembered | undefined {
    return this.byId.get(id);
  }

  remember(id: string, version: string, server: Server): void {
    if (this.byId.size >= this.max && !this.byId.has(id)) this.byId.clear();
    this.byId.set(id, { version, server, asked: JSON.stringify({ id, v: version }) });
  }

  forget(id: string): void {
    this.byId.delete(id);
  }
}
