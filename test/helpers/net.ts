// Ports and polling for tests with real servers. Servers in tests bind 127.0.0.1 on port 0; `freePort`
// is only for the rare case where a port must be known before the server starts (a config file).
import { createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. Prefer port 0 where the server can report its port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; resolves with that value. */
export async function waitFor<T>(check: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? `: ${(lastError as Error).message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? 'a condition'}${why}`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

/** Resolves with the response once `url` answers with `status` (default: any 2xx). */
export function waitForUrl(url: string, opts: { status?: number; timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<Response> {
  return waitFor(
    async () => {
      const res = await fetch(url, { headers: opts.headers, signal: AbortSignal.timeout(2_000) });
      const ok = opts.status === undefined ? res.ok : res.status === opts.status;
      if (!ok) await res.body?.cancel();
      return ok ? res : null;
    },
    { timeoutMs: opts.timeoutMs, what: `${url} to answer ${opts.status ?? '2xx'}` },
  );
}
