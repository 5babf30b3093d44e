// The management contacts of the seed's escalation path. They come from configuration; where a master
// URL is configured (the vendor keeps "the master version" on its portal), they are refreshed from it,
// the last good copy is kept in the store as the fallback, and a stale copy is warned about.
import axios from 'axios';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Transactor } from '../store/transactor.js';
import type { ContactDirectory } from './clocks-and-management.js';

type Step = Config['management']['steps'][number];

const masterSchema = z.object({
  steps: z.array(z.object({
    step: z.number().int().min(2).max(4),
    title: z.string().min(1),
    contact: z.object({ name: z.string().min(1), email: z.string().email().optional(), phone: z.string().optional() }),
  })).min(1),
});

interface SavedContacts {
  steps: Step[];
  fetchedAt: string;
}

const META_KEY = 'managementContacts';

export class Contacts implements ContactDirectory {
  private warnedStale = false;
  private cached: SavedContacts | null = null;

  constructor(private readonly deps: { config: Config['management']; transactor: Transactor; logger: Logger; now: () => Date; timeoutMs: number }) {}

  step(step: number): Step | undefined {
    return this.current().find((s) => s.step === step);
  }

  /** The steps in force: the master copy when there is one, else the configured ones. */
  current(): Step[] {
    const saved = this.saved();
    if (saved) {
      const age = this.deps.now().getTime() - Date.parse(saved.fetchedAt);
      if (age > this.deps.config.staleAfter && !this.warnedStale) {
        this.warnedStale = true;
        this.deps.logger.warn({ fetchedAt: saved.fetchedAt }, 'management contacts from the master copy are stale; check management.masterUrl');
      }
      return saved.steps;
    }
    return [...this.deps.config.steps];
  }

  /** Loads the last master copy the store holds (any instance may have fetched it). */
  async load(): Promise<void> {
    this.cached = ((await this.deps.transactor.read.meta.get<SavedContacts>(META_KEY)) as SavedContacts | undefined) ?? null;
  }

  /** Fetches the master copy (a leader job, run every `management.refreshInterval`) and saves it for every instance. */
  async refresh(): Promise<boolean> {
    const url = this.deps.config.masterUrl;
    if (!url) return false;
    try {
      const res = await axios.get(url, { timeout: this.deps.timeoutMs, maxRedirects: 0, maxContentLength: 256 * 1024 });
      const parsed = masterSchema.parse(res.data);
      const saved: SavedContacts = { steps: parsed.steps, fetchedAt: this.deps.now().toISOString() };
      await this.deps.transactor.run((tx) => tx.meta.put(META_KEY, saved));
      this.cached = saved;
      this.warnedStale = false;
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, url }, 'could not refresh management contacts; keeping the local copy');
      return false;
    }
  }

  private saved(): SavedContacts | null {
    return this.cached;
  }
}
