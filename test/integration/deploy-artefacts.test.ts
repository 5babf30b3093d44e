// The deployment artefacts are read by tools we cannot run here (Docker, Kubernetes, systemd, Grafana),
// so this parses each one and checks the facts the daemon relies on, and that they agree with each other.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/observability/metrics.js';
import { parseConfigText } from '../../src/config/load.js';
import { registerClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import { SoloLeadership } from '../../src/cluster/solo-leadership.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const START_COMMAND = ['node', '--max-old-space-size=512', '--max-semi-space-size=16', 'dist/main.js', '--config', '/etc/escalatord/config.yaml'];
const DATA_DIR = '/var/lib/escalatord';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML; tests probe them
type Doc = Record<string, any>;

function k8sDocs(): Doc[] {
  const dir = 'deploy/k8s';
  return readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseAllDocuments(read(`${dir}/${f}`)).map((d) => {
      expect(d.errors, f).toEqual([]);
      return { ...(d.toJS() as Doc), __file: f };
    }));
}
const byKind = (docs: Doc[], kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

/** Environment a deployment would have: the Secret example's placeholders. */
function secretEnv(docs: Doc[]): Record<string, string> {
  return byKind(docs, 'Secret').stringData as Record<string, string>;
}

/** The names a metric exposes, so `_bucket`, `_sum` and `_count` of histograms resolve to it. */
async function exportedMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry, { consoleIds: ['main'] });
  registerClusterMetrics(registry, new SoloLeadership());
  return new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
}
const DESIGN_NAMES = [
  'ingest_reports_total', 'component_transitions_total', 'components', 'incidents_open', 'incidents_created_total', 'escalations_total',
  'detection_to_ticket_seconds', 'time_to_acknowledge_seconds', 'time_to_resolve_seconds', 'sla_warnings_total', 'sla_breaches_total',
  'sla_met_total', 'sla_at_risk', 'management_escalations_total', 'ticket_outbox_pending', 'ticket_requests_total', 'ticket_dead_letters_total',
  'console_up', 'console_poll_duration_seconds', 'ws_clients', 'ws_messages_sent_total', 'ws_dropped_clients_total', 'store_write_duration_seconds',
].map((n) => `escalatord_${n}`);

function metricNamesIn(text: string): Set<string> {
  // Digits too: default metrics such as nodejs_eventloop_lag_p99_seconds carry them.
  return new Set([...text.matchAll(/escalatord_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
}

function dashboard(): Doc {
  return JSON.parse(read('deploy/grafana/escalatord-dashboard.json')) as Doc;
}
function dashboardExprs(): string[] {
  return (dashboard().panels as Doc[]).flatMap((p) => (p.targets ?? []).map((t: Doc) => t.expr as string));
}

describe('Kubernetes manifests', () => {
  const docs = k8sDocs();
  const deployment = byKind(docs, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('probe liveness on /healthz and readiness on /readyz through the named http port', () => {
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 8080 }));
  });

  it('give the daemon longer than its 10 s drain to stop, and run two replicas that are never both down by choice', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pdb = byKind(docs, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    // Replicas share no volume: the store is the database.
    expect(docs.filter((d) => d.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(pod.volumes.filter((v: Doc) => v.persistentVolumeClaim)).toEqual([]);
  });

  it('run as a non-root user on a read-only root file system without privilege escalation', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toHaveProperty('memory');
    expect(container.resources.limits).toHaveProperty('memory');
  });

  it('mount the ConfigMap at the config directory, with the secrets from the Secret and each pod named after itself', () => {
    const configMap = byKind(docs, 'ConfigMap');
    const mount = container.volumeMounts.find((m: Doc) => m.mountPath === '/etc/escalatord');
    expect(pod.volumes.find((v: Doc) => v.name === mount.name).configMap.name).toBe(configMap.metadata.name);
    expect(container.args).toEqual(START_COMMAND);
    expect(container.envFrom[0].secretRef.name).toBe(byKind(docs, 'Secret').metadata.name);
    expect(secretEnv(docs)).toHaveProperty('ESCALATORD_DATABASE_URL');
    const instanceId = container.env.find((e: Doc) => e.name === 'ESCALATORD_CLUSTER__INSTANCE_ID');
    expect(instanceId.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
  });

  it('ship a ConfigMap config that the real schema accepts, with simulators off and the store in PostgreSQL', () => {
    const text = byKind(docs, 'ConfigMap').data['config.yaml'];
    // The Secret example's placeholders are refused on 0.0.0.0; real values of the same names are not.
    expect(() => parseConfigText(text, 'configmap.yaml', secretEnv(docs))).toThrow(/placeholder/);
    const real = Object.fromEntries(Object.keys(secretEnv(docs)).map((k, i) => [k, `${k.toLowerCase()}-real-value-${i}-7f3a9c`]));
    const cfg = parseConfigText(text, 'configmap.yaml', real);
    expect(cfg.simulator.enabled).toBe(false);
    expect(cfg.storage.engine).toBe('postgres');
    expect(cfg.storage.url).toBe(real.ESCALATORD_DATABASE_URL);
    expect(cfg.server.host).toBe('0.0.0.0');
    expect(cfg.server.port).toBe(8080);
    // The drain must fit in the pod's grace period, with time left for the final write.
    expect(cfg.server.shutdownTimeout).toBeLessThan(pod.terminationGracePeriodSeconds * 1000 - 5000);
  });

  it('keep only placeholders in the Secret example', () => {
    const values = Object.values(secretEnv(docs));
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(v).toMatch(/^REPLACE-ME-/);
    const kustomization = byKind(docs, 'Kustomization');
    expect(kustomization.resources).not.toContain('secret.example.yaml');
    for (const file of kustomization.resources) expect(existsSync(join(ROOT, 'deploy/k8s', file)), file).toBe(true);
  });

  it('expose the http port through the Service and scrape /metrics on it with a ServiceMonitor', () => {
    const service = byKind(docs, 'Service');
    const monitor = byKind(docs, 'ServiceMonitor');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints[0]).toMatchObject({ path: '/metrics', port: service.spec.ports[0].name });
    expect(service.metadata.labels[monitor.spec.jobLabel]).toBe('escalatord');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const all = (word: string) => instructions.filter((l) => l.startsWith(`${word} `));

  it('builds in one stage and runs in a slim one with production dependencies only', () => {
    const froms = all('FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]).toMatch(/ AS build$/i);
    expect(froms.at(-1)).toMatch(/node:\$\{NODE_VERSION\}-slim|node:20-slim/);
    expect(dockerfile).toMatch(/RUN npm ci[^\n]*\n[\s\S]*RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(all('COPY').some((l) => l.includes('--from=build') && l.includes('/app/dist'))).toBe(true);
  });

  it('runs as a non-root user with the store on a volume, port 8080 and the same start command as everywhere else', () => {
    const user = all('USER').at(-1)!.split(/\s+/)[1];
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(all('VOLUME').join()).toContain(DATA_DIR);
    expect(all('EXPOSE').join()).toContain('8080');
    expect(JSON.parse(all('CMD').at(-1)!.slice(4))).toEqual(START_COMMAND);
  });

  it('checks health on /healthz with node, since the slim image has no curl', () => {
    const healthcheck = all('HEALTHCHECK').join();
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toMatch(/CMD \["node"/);
    expect(healthcheck).not.toContain('curl');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toContain('node_modules');
    const sources = all('COPY').filter((l) => !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toContain('deploy/docker/config.yaml');
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(ignored.some((p) => src === p || src.startsWith(`${p}/`)), `${src} is dockerignored`).toBe(false);
    }
  });

  it('bakes in a config without simulators whose secrets must come from the environment', () => {
    const text = read('deploy/docker/config.yaml');
    expect(() => parseConfigText(text, 'deploy/docker/config.yaml', {})).toThrow(/ESCALATORD_ADMIN_TOKEN is not set/);
    const env = Object.fromEntries(['VIEWER', 'L2', 'ADMIN', 'INGEST'].map((r) => [`ESCALATORD_${r}_TOKEN`, `${r.toLowerCase()}-token-for-the-test-000`]));
    const cfg = parseConfigText(text, 'deploy/docker/config.yaml', {
      ...env, ESCALATORD_CONSOLE_SECRET: 'whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS10ZXN0', ESCALATORD_CONSOLE_URL: 'http://console.test', ESCALATORD_TICKETING_URL: 'http://tickets.test',
    });
    expect(cfg.server.host).toBe('0.0.0.0');
    expect(cfg.simulator.enabled).toBe(false);
    expect(cfg.storage.path.startsWith(`${DATA_DIR}/`)).toBe(true);
  });
});

describe('systemd unit', () => {
  const unit = read('deploy/systemd/escalatord.service');
  const service = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) service.set(m[1], [...(service.get(m[1]) ?? []), m[2]]);
  }
  const value = (key: string) => service.get(key)?.at(-1);

  it('is hardened: no new privileges, strict read-only system, no home, private tmp, only the state directory writable', () => {
    expect(value('NoNewPrivileges')).toBe('yes');
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('ProtectHome')).toMatch(/^(yes|true|read-only|tmpfs)$/);
    expect(value('PrivateTmp')).toBe('yes');
    expect(value('StateDirectory')).toBe('escalatord');
    expect(value('ReadWritePaths')).toBe(DATA_DIR);
    expect(value('CapabilityBoundingSet')).toBe('');
    expect(value('User') ?? value('DynamicUser')).toBeTruthy();
    expect(value('User')).not.toBe('root');
    // V8's JIT needs writable+executable memory: this key would crash node at start.
    expect(value('MemoryDenyWriteExecute')).not.toBe('yes');
  });

  it('restarts on failure, stops gracefully and starts with the same config path', () => {
    expect(value('Restart')).toBe('on-failure');
    expect(Number.parseInt(value('TimeoutStopSec')!, 10)).toBeGreaterThan(10);
    expect(value('ExecStart')!.split(/\s+/).slice(-2)).toEqual(START_COMMAND.slice(-2));
    // The same Node heap flags as the image and `npm start` (what the benchmarks measure).
    const flags = START_COMMAND.filter((a) => a.startsWith('--max-'));
    expect(value('ExecStart')!.split(/\s+/).filter((a) => a.startsWith('--max-'))).toEqual(flags);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--max-'))).toEqual(flags);
  });

  it('passes systemd-analyze verify without warnings where systemd is installed', (ctx) => {
    const run = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy/systemd/escalatord.service')], { encoding: 'utf8' });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return ctx.skip('systemd-analyze is not installed');
    // Unknown keys and misplaced sections are only warnings (exit 0), so the output must be empty too.
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});

describe('Prometheus, Grafana and compose', () => {
  it('scrapes job "escalatord" on /metrics and loads alerts.yml, the job the alert rules select', () => {
    const prom = parseYaml(read('deploy/prometheus/prometheus.yml')) as Doc;
    expect(prom.rule_files).toContain('alerts.yml');
    const job = prom.scrape_configs.find((s: Doc) => s.job_name === 'escalatord');
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    expect(read('deploy/prometheus/alerts.yml')).toContain('up{job="escalatord"}');
  });

  it('gives every alert a duration, a severity and a summary and description', () => {
    const rules = (parseYaml(read('deploy/prometheus/alerts.yml')) as Doc).groups.flatMap((g: Doc) => g.rules) as Doc[];
    const names = rules.map((r) => r.alert);
    for (const required of ['EscalatordDown', 'ConsoleDown', 'OutboxGrowing', 'DeadLetters', 'SlaBreachRate']) expect(names).toContain(required);
    for (const rule of rules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
    }
  });

  it('has a dashboard bound to the DS_PROMETHEUS input with unique panel ids and no overlapping panels', () => {
    const d = dashboard();
    expect(d.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }));
    expect(d.templating.list).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource' }));
    const panels = d.panels as Doc[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      if (p.type !== 'row') expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
        cells.add(`${i},${j}`);
      }
    }
  });

  it('uses only metric names that createMetrics exports, in the dashboard and in the alert rules', async () => {
    const exported = await exportedMetricNames();
    const used = new Set([...metricNamesIn(dashboardExprs().join('\n')), ...metricNamesIn(read('deploy/prometheus/alerts.yml'))]);
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('shows every metric of DESIGN §10 somewhere on the dashboard', () => {
    const used = metricNamesIn(dashboardExprs().join('\n'));
    expect(DESIGN_NAMES.filter((n) => !used.has(n))).toEqual([]);
  });

  it('wires compose: Prometheus gets its rules, Grafana its provisioning and the dashboard where the provider looks', () => {
    const compose = parseYaml(read('deploy/docker-compose.yml')) as Doc;
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['escalatord', 'prometheus', 'grafana']));
    const mounts = (svc: string) => ((compose.services[svc].volumes ?? []) as string[]).map((v) => v.split(':'));
    for (const svc of Object.keys(compose.services)) {
      for (const [src] of mounts(svc).filter(([s]) => s.startsWith('.'))) expect(existsSync(join(ROOT, 'deploy', src)), src).toBe(true);
    }
    expect(mounts('prometheus').map(([s]) => s)).toContain('./prometheus/alerts.yml');
    const provider = (parseYaml(read('deploy/grafana/provisioning/dashboards/escalatord.yml')) as Doc).providers[0];
    const dashMount = mounts('grafana').find(([s]) => s === './grafana/escalatord-dashboard.json')!;
    expect(dirname(dashMount[1])).toBe(provider.options.path);
    expect(mounts('grafana').map(([s, t]) => `${s}:${t}`)).toContain('./grafana/provisioning:/etc/grafana/provisioning');
    const datasource = (parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as Doc).datasources[0];
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(compose.services.escalatord.build.dockerfile).toBe('Dockerfile');
  });

  it('runs two escalatord instances on the compose PostgreSQL, each with its own name, both scraped', () => {
    const compose = parseYaml(read('deploy/docker-compose.yml')) as Doc;
    const postgres = compose.services.postgres;
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    const instances = ['escalatord', 'escalatord-2'].map((name) => {
      const svc = compose.services[name];
      expect(svc.depends_on.postgres.condition, name).toBe('service_healthy');
      const [src] = (svc.volumes as string[]).map((v) => v.split(':')).find(([, t]) => t === '/etc/escalatord/config.yaml')!;
      // Compose fills ${POSTGRES_PASSWORD:-…} in the environment; the daemon fills the config's ${…}.
      const env = Object.fromEntries(Object.entries(svc.environment as Record<string, string>).map(([k, v]) => [k, v.replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1')]));
      const cfg = parseConfigText(read(join('deploy', src)), src, env);
      return { name, cfg, port: (svc.ports as string[])[0].split(':')[0] };
    });
    for (const { name, cfg } of instances) {
      expect(cfg.storage.engine, name).toBe('postgres');
      const url = new URL(cfg.storage.url!);
      expect([url.hostname, url.username, url.pathname, decodeURIComponent(url.password)]).toEqual([
        'postgres', postgres.environment.POSTGRES_USER, `/${postgres.environment.POSTGRES_DB}`, postgres.environment.POSTGRES_PASSWORD.replace(/^\$\{POSTGRES_PASSWORD:-(.*)\}$/, '$1'),
      ]);
      expect(cfg.server.host).toBe('0.0.0.0');
      expect(cfg.simulator.enabled).toBe(false);
    }
    expect(new Set(instances.map((i) => i.cfg.cluster.instanceId)).size).toBe(2);
    expect(new Set(instances.map((i) => i.port)).size).toBe(2);
    const prom = parseYaml(read('deploy/prometheus/prometheus.yml')) as Doc;
    const targets = prom.scrape_configs.find((s: Doc) => s.job_name === 'escalatord').static_configs[0].targets;
    expect(targets).toEqual(['escalatord:8080', 'escalatord-2:8080']);
  });
});
