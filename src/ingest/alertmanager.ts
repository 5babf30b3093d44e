// Alertmanager webhook ingestion: validates the version 4 payload, maps its alerts to deltas (pure, in
// domain/alertmanager-mapping.ts), drops alert states already seen and applies the rest in one commit.
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import { mapPayload, type AlertMappingRules, type AlertmanagerPayload, type AlertSkipReason } from '../domain/alertmanager-mapping.js';
import type { ComponentStateService } from './component-state.js';
import { zodProblems } from '../domain/report-schema.js';

const MAX_ALERTS = 1000;
const labels = z.record(z.string().max(1024), z.string().max(16_384));

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels,
  startsAt: z.string().max(64),
  endsAt: z.string().max(64),
  generatorURL: z.string().max(4096),
  fingerprint: z.string().min(1).max(128),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'only Alertmanager webhook payload version "4" is understood' }),
  groupKey: z.string().max(16_384),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1024),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string().max(4096),
  alerts: z.array(alertSchema).max(MAX_ALERTS, `at most ${MAX_ALERTS} alerts`),
});

/** Throws ValidationError naming every field that does not fit payload version 4. */
export function parseAlertmanagerPayload(body: unknown): AlertmanagerPayload {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'expected an Alertmanager webhook payload object' }]);
  }
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error));
  return parsed.data;
}

export interface AlertmanagerIngestResult {
  /** Alerts whose state was applied. */
  accepted: number;
  /** Alerts whose state was already applied by an earlier delivery. */
  duplicates: number;
  skipped: Array<{ fingerprint: string; reason: AlertSkipReason }>;
  /** Alerts about servers the inventory does not know: nothing of them was stored. */
  refused: Array<{ serverId: string; reason: string }>;
}

export interface AlertmanagerIngestDeps {
  components: Pick<ComponentStateService, 'applyKeyed'>;
  rules: AlertMappingRules;
}

/**
 * Applies a validated payload and resolves once the effects are durable. Each alert state carries its own
 * idempotency key (fingerprint + status + startsAt), claimed inside the commit: a re-sent group cannot
 * replay an older state, and two deliveries racing each other apply every state once. An alert does not
 * change the server's reachability: the report keeps what the daemon already believes.
 */
export async function ingestAlertmanager(deps: AlertmanagerIngestDeps, payload: AlertmanagerPayload): Promise<AlertmanagerIngestResult> {
  const { accepted, skipped } = mapPayload(payload, deps.rules);
  if (accepted.length === 0) return { accepted: 0, duplicates: 0, skipped, refused: [] };
  const items = accepted.map((a) => {
    const { reachable: _ignored, ...report } = a.report;
    return { key: a.key, report };
  });
  const result = await deps.components.applyKeyed(items, { mode: 'delta', source: 'alertmanager' });
  return { accepted: result.accepted, duplicates: result.duplicates, skipped, refused: result.refused };
}
