// The routes an express app registers, read from the app itself (not from a list kept by hand), and a way
// to get hold of the app the composition root builds without changing it: watch `app.use` while it runs.
import express, { type Express } from 'express';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** `/api/v1/incidents/:id/escalate` → `/api/v1/incidents/{id}/escalate`. */
export const toOpenApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Every `method path` registered on the app (`get /api/v1/incidents/{id}`), through the routers mounted on it (all at the root). */
export function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method} ${toOpenApiPath(layer.route.path)}`);
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

/**
 * Runs `build` (which builds the daemon) and returns what it returned with the daemon's own express app:
 * the one that serves `GET /readyz`. The simulators' apps, built at the same time, are left out.
 */
export async function withDaemonApp<T>(build: () => T | Promise<T>): Promise<{ result: T; app: Express }> {
  const apps = new Set<Express>();
  const original = express.application.use;
  express.application.use = function (this: Express, ...args: unknown[]) {
    apps.add(this);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  let result: T;
  try {
    result = await build();
  } finally {
    express.application.use = original;
  }
  const app = [...apps].find((a) => registeredRoutes(a).includes('get /readyz'));
  if (!app) throw new Error('the daemon\'s express app was not seen');
  return { result, app };
}
