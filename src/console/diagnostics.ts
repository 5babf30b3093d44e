// Fetches diagnostics from the Monitoring Console that watches the incident's server, bounded in time,
// and caps them in size with the cut marked, so they fit on the incident and in the ticket.
import type { Diagnostics, Incident } from '../domain/types.js';
import { capDiagnostics } from '../domain/diagnostics-cap.js';

export interface DiagnosticsSource {
  diagnostics(serverId: string, component: string | null): Promise<unknown>;
}

export interface DiagnosticsServiceDeps {
  /** Console id → client. A server's own console is asked first; otherwise the first one. */
  sources: Map<string, DiagnosticsSource>;
  timeoutMs: number;
  maxBytes: number;
  now: () => Date;
}

export class DiagnosticsService {
  constructor(private readonly deps: DiagnosticsServiceDeps) {}

  get available(): boolean {
    return this.deps.sources.size > 0;
  }

  /** Throws when the console cannot be asked or does not answer in time; the caller decides to retry. */
  async fetch(incident: Pick<Incident, 'serverId' | 'component'>, consoleId: string | undefined): Promise<Diagnostics> {
    const source = (consoleId && this.deps.sources.get(consoleId)) || this.deps.sources.values().next().value;
    if (!source) throw new Error('no Monitoring Console is configured to ask for diagnostics');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`diagnostics did not arrive within ${this.deps.timeoutMs} ms`)), this.deps.timeoutMs);
    });
    try {
      const raw = await Promise.race([source.diagnostics(incident.serverId, incident.component), timeout]);
      const capped = capDiagnostics(raw, this.deps.maxBytes);
      return { fetchedAt: this.deps.now().toISOString(), truncated: capped.truncated, data: capped.data };
    } finally {
      clearTimeout(timer);
    }
  }
}
