/**
 * The deployment files hold together, offline: docker-compose.yml against the Compose
 * Specification's schema (vendored from compose-go, what `docker compose config` validates
 * with; Docker cannot run here, so this stands in for it), the Kubernetes manifests against the
 * vendored v1.35.0 schemas, both Prometheus configs through `promtool check config`, images
 * pinned and listed, and every variable, port, URL and path the files name being the one the
 * code (or the image) uses.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { API_DEFAULT_PORT } from '../../api/config';
import { repoRoot } from '../../core/node/config';
import { SLURM_TARGET_ENV } from '../../core/node/site-target';
import {
  type ComposeModel,
  composeModel,
  composeRaw,
  ENV_EXAMPLE,
  mounts,
  readDockerfile,
  readEnvFile,
  serviceRefs,
  testVars,
} from './compose';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

function composeValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(read('deploy/schemas/compose-spec.json')));
}

const IMAGES = read('deploy/images.txt')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.startsWith('#'));
const PINNED = /^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/;
const AIFB_SERVICES = ['worker', 'api'] as const;

/** Every identifier-like string in aifb's own non-test sources and Temporal's envconfig: the names code reads. */
function namesInCode(): Set<string> {
  const names = new Set<string>();
  const scan = (dir: string) => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.includes('.test.')) {
        for (const m of read(path).matchAll(/\b[A-Z][A-Z0-9_]{2,}\b/g)) names.add(m[0]);
      }
    }
  };
  for (const dir of ['core', 'api', 'cli', 'control', 'telemetry', 'workers', 'activities', 'executors'])
    scan(dir);
  scan('node_modules/@temporalio/envconfig/lib');
  return names;
}

/** The ports each compose service listens on inside its container, from its own configuration. */
function listening(model: ComposeModel): Record<string, number[]> {
  const env = (s: string) => model.services[s]?.environment ?? {};
  const loki = parse(read('deploy/loki/loki.yaml')) as { server: { http_listen_port: number } };
  const portOf = (addr: string | undefined) => Number(addr?.split(':').pop());
  return {
    postgresql: [5432], // the postgres image's default
    temporal: [Number(env('temporal').FRONTEND_GRPC_PORT), portOf(env('temporal').PROMETHEUS_ENDPOINT)],
    'temporal-ui': [Number(env('temporal-ui').TEMPORAL_UI_PORT)],
    worker: [Number(env('worker').AIFB_WORKER_METRICS_PORT)],
    api: [Number(env('api').AIFB_API_PORT)],
    pushgateway: [9091], // Pushgateway's default --web.listen-address (the command sets none)
    prometheus: [9090], // Prometheus's default --web.listen-address (the command sets none)
    loki: [loki.server.http_listen_port],
    grafana: [3000], // Grafana's default http_port (no GF_SERVER_HTTP_PORT)
  };
}

describe('docker-compose.yml', () => {
  const validate = composeValidator();
  const model = composeModel(testVars());
  const services = Object.keys(model.services);

  it('validates against the Compose Specification schema, as written and as interpolated', () => {
    expect(validate(composeRaw()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(model), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema check can fail: a broken copy is rejected', () => {
    const broken = structuredClone(model) as unknown as { services: Record<string, Record<string, unknown>> };
    (broken.services.worker as Record<string, unknown>).restart_policy = 'always'; // not a service key
    expect(validate(broken)).toBe(false);
    const badDepends = structuredClone(model) as unknown as {
      services: Record<string, { depends_on: Record<string, { condition: string }> }>;
    };
    (badDepends.services.api as { depends_on: Record<string, { condition: string }> }).depends_on.temporal = {
      condition: 'healthy',
    };
    expect(validate(badDepends)).toBe(false);
  });

  it('health-check durations are Go durations (compose-go parses them when loading)', () => {
    const goDuration = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
    for (const [name, s] of Object.entries(model.services)) {
      const h = (s.healthcheck ?? {}) as Record<string, unknown>;
      for (const key of ['interval', 'timeout', 'start_period', 'start_interval']) {
        if (h[key] !== undefined) expect(String(h[key]), `${name}.healthcheck.${key}`).toMatch(goDuration);
      }
      const grace = (s as { stop_grace_period?: string }).stop_grace_period;
      if (grace !== undefined) expect(grace).toMatch(goDuration);
    }
  });

  it('refuses to start without the secrets, as Compose does (VAR:? interpolation)', () => {
    const { AIFB_API_TOKEN: _, ...without } = testVars();
    expect(() => composeModel({ ...without, AIFB_API_TOKEN: '' })).toThrow(/AIFB_API_TOKEN/);
  });

  it('.env.example names every variable the file reads, and nothing else', () => {
    const used = new Set(
      [...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]),
    );
    const example = new Set(Object.keys(readEnvFile(ENV_EXAMPLE)));
    expect([...used].filter((v) => !example.has(v as string))).toEqual([]);
    expect([...example].filter((v) => !used.has(v))).toEqual([]);
  });

  it('depends_on: every target exists, service_healthy ones have a health check, one-shots complete', () => {
    for (const [name, service] of Object.entries(model.services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services, `${name} depends on ${target}`).toContain(target);
        const t = model.services[target] as { healthcheck?: unknown; restart?: string };
        if (condition === 'service_healthy') expect(t.healthcheck, `${target} health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(t.restart).toMatch(/^on-failure/);
      }
    }
    // Everything aifb, Temporal and Grafana need waits for health; nothing is left without a check
    // that another service waits on as healthy.
    expect(model.services.worker?.depends_on?.['temporal-namespace']?.condition).toBe(
      'service_completed_successfully',
    );
    expect(model.services.temporal?.depends_on?.['temporal-schema']?.condition).toBe(
      'service_completed_successfully',
    );
  });

  it('images are the pinned ones of deploy/images.txt (aifb is built from the Dockerfile)', () => {
    for (const [name, s] of Object.entries(model.services)) {
      if (s.build !== undefined) {
        expect(s.image).toMatch(/^aifb:/);
        continue;
      }
      expect(IMAGES, `${name}: ${s.image}`).toContain(s.image);
    }
    for (const image of IMAGES) expect(image).toMatch(PINNED);
    // The worker is scalable: no fixed name, no published port.
    const worker = model.services.worker as Record<string, unknown>;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
  });

  it('the worker and API get only variables the code reads', () => {
    const code = namesInCode();
    const dockerfile = readDockerfile();
    for (const name of AIFB_SERVICES) {
      for (const key of Object.keys(model.services[name]?.environment ?? {})) {
        expect(code.has(key) || key in dockerfile.env, `${name}: ${key} is read by no code`).toBe(true);
      }
    }
    // The site's Slurm settings are exactly site-target.ts's names.
    const slurm = Object.keys(model.services.worker?.environment ?? {}).filter((k) =>
      k.startsWith('AIFB_SLURM_'),
    );
    expect(slurm.every((k) => Object.values(SLURM_TARGET_ENV).includes(k as never))).toBe(true);
  });

  it('every host:port a service names is a port that service listens on', () => {
    const ports = listening(model);
    for (const [name, s] of Object.entries(model.services)) {
      const values = [
        ...Object.values(s.environment ?? {}),
        ...(s.command ?? []),
        ...(s.healthcheck?.test ?? []),
      ].map(String);
      for (const value of values) {
        for (const ref of serviceRefs(value, services)) {
          expect(ports[ref.service], `${name} → ${ref.service}:${ref.port}`).toContain(ref.port);
        }
      }
      // Published ports lead to a port the service listens on.
      for (const p of s.ports ?? []) {
        const container = Number(p.split(':').pop());
        expect(ports[name], `${name} publishes ${p}`).toContain(container);
      }
    }
    // Loopback health checks use the service's own port.
    expect(model.services.temporal?.healthcheck?.test).toContain(String(ports.temporal?.[0]));
    // Prometheus scrapes what the services serve.
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    for (const job of prom.scrape_configs) {
      const targets = [
        ...(job.static_configs ?? []).flatMap((c) => c.targets),
        ...(job.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`)),
      ];
      for (const t of targets) {
        const [host, port] = t.split(':') as [string, string];
        if (host === 'localhost') continue; // Prometheus itself
        expect(ports[host], `prometheus job ${job.job_name} → ${t}`).toContain(Number(port));
      }
    }
    const pushJob = prom.scrape_configs.find((j) => j.job_name === 'pushgateway') as {
      honor_labels?: boolean;
    };
    expect(pushJob.honor_labels).toBe(true);
  });

  it("the ports are the code's defaults, so the same URLs answer as with `aifb dev`", () => {
    const env = (s: string) => model.services[s]?.environment ?? {};
    expect(Number(env('api').AIFB_API_PORT)).toBe(API_DEFAULT_PORT);
    expect(Number(env('worker').AIFB_WORKER_METRICS_PORT)).toBe(9464); // telemetry/self-metrics.ts default
    expect(read('telemetry/self-metrics.ts')).toMatch(/AIFB_WORKER_METRICS_PORT \?\? '9464'|9464/);
    const published = (s: string) => (model.services[s]?.ports ?? []).map((p) => Number(p.split(':').at(-2)));
    expect(published('api')).toEqual([8080]);
    expect(published('temporal')).toEqual([7233]);
    expect(published('temporal-ui')).toEqual([8233]);
    expect(published('prometheus')).toEqual([9090]);
    expect(published('pushgateway')).toEqual([9091]);
  });

  it('every path a service names is inside one of its mounts or the image, and the mounted files exist', () => {
    const dockerfile = readDockerfile();
    for (const name of AIFB_SERVICES) {
      const s = model.services[name] as ComposeModel['services'][string];
      const m = mounts(s);
      const env = { ...dockerfile.env, ...s.environment };
      const inside = (path: string) =>
        [...m.keys(), dockerfile.workdir].some((t) => path === t || path.startsWith(`${t}/`));
      for (const [key, value] of Object.entries(env)) {
        // AIFB_SLURM_WORKDIR is a path on the cluster, not in the container.
        if (value.startsWith('/') && !['HOME', 'AIFB_SLURM_WORKDIR'].includes(key))
          expect(inside(value), `${name}: ${key}=${value}`).toBe(true);
      }
      // Results are shared: the worker writes them, the API reads them, from one volume.
      expect(m.get(env.AIFB_DATA_DIR as string)?.source).toBe('aifb-data');
      // The SSH key and known_hosts are mounted read-only where the site target points.
      for (const key of ['AIFB_SLURM_IDENTITY_FILE', 'AIFB_SLURM_KNOWN_HOSTS']) {
        expect(m.get(env[key] as string)?.readOnly, `${name}: ${key}`).toBe(true);
        expect((env[key] as string).startsWith(`${env.HOME}/`)).toBe(true);
      }
      expect(env.AIFB_DIST_DIR).toBe(`${dockerfile.workdir}/dist`); // where `npm run build` writes
    }
    expect(model.volumes).toHaveProperty('aifb-data');
    // Configuration files: the path each program is told is the path the file is mounted at.
    const mountOf = (service: string, target: string) => mounts(model.services[service] as never).get(target);
    const relative = (source: string) => join(repoRoot, source.replace(/^\.\//, ''));
    const config = (service: string, flag: RegExp) =>
      (model.services[service]?.command ?? []).map((c) => flag.exec(c)?.[1]).find(Boolean) as string;
    for (const [service, flag] of [
      ['prometheus', /^--config\.file=(.+)$/],
      ['loki', /^-config\.file=(.+)$/],
    ] as const) {
      const target = config(service, flag);
      expect(existsSync(relative(mountOf(service, target)?.source ?? '/nonexistent'))).toBe(true);
    }
    const dynamic = model.services.temporal?.environment?.DYNAMIC_CONFIG_FILE_PATH as string;
    expect(existsSync(relative(mountOf('temporal', dynamic)?.source ?? '/nonexistent'))).toBe(true);
    for (const step of ['temporal-schema', 'temporal-namespace']) {
      const script = model.services[step]?.entrypoint?.[1] as string;
      const found = [...mounts(model.services[step] as never)].find(([t]) => script.startsWith(`${t}/`));
      expect(found, `${step}: ${script}`).toBeDefined();
      const [target, { source }] = found as [string, { source: string }];
      const file = join(relative(source), script.slice(target.length));
      accessSync(file, constants.R_OK);
    }
    // Grafana: provisioning where Grafana reads it, dashboards where the provider looks.
    const provider = parse(read('grafana/provisioning/dashboards/aifb.yaml')) as {
      providers: { options: { path: string } }[];
    };
    expect(mountOf('grafana', '/etc/grafana/provisioning')?.source).toBe('./grafana/provisioning');
    expect(mountOf('grafana', provider.providers[0]?.options.path as string)?.source).toBe(
      './grafana/dashboards',
    );
  });

  it('Grafana gets every variable its provisioning expands, and the plugin and toggle its dashboards need', () => {
    const env = model.services.grafana?.environment ?? {};
    const wanted = new Set(
      read('grafana/provisioning/datasources/aifb.yaml')
        .split('\n')
        .filter((l) => !l.trim().startsWith('#'))
        .flatMap((l) => [...l.matchAll(/\$([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1])),
    );
    for (const v of wanted) expect(env, `grafana needs ${v}`).toHaveProperty(v as string);
    const plugins = read('grafana/plugins.txt')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(env.GF_PLUGINS_PREINSTALL?.split(',')).toEqual(plugins);
    expect(env.GF_FEATURE_TOGGLES_ENABLE).toContain('vizActionsAuth');
    expect(env.AIFB_API_TOKEN).toBe(model.services.api?.environment?.AIFB_API_TOKEN);
  });
});

describe('Dockerfile', () => {
  const d = readDockerfile();
  it('one pinned Debian (glibc) base, a non-root user, a health check, aifb as the entry point', () => {
    for (const from of d.from) {
      expect(IMAGES).toContain(from);
      expect(from).toMatch(/bookworm/);
    }
    expect(d.user).not.toBe('root');
    expect(d.healthcheck).toContain('deploy/docker/healthcheck.mjs');
    expect(d.entrypoint.join(' ')).toBe(`node ${d.workdir}/bin/aifb.mjs`);
    expect(read('Dockerfile')).toMatch(/RUN npm run build/);
  });
  it('.dockerignore keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', 'data', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});

describe('Prometheus configurations', () => {
  for (const file of ['deploy/prometheus/prometheus.yml', 'deploy/k8s/prometheus.yml']) {
    it(`promtool check config ${file}`, () => {
      const out = execFileSync('promtool', ['check', 'config', file], { cwd: repoRoot, encoding: 'utf8' });
      expect(out).toMatch(/SUCCESS/);
    });
  }
});

describe('Kubernetes manifests (deploy/k8s, Kubernetes v1.35.0 schemas)', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schemaDir = join(repoRoot, 'deploy/schemas/k8s/v1.35.0');
  const validators = new Map(
    readdirSync(schemaDir).map((f) => [
      f.replace(/\.json$/, ''),
      ajv.compile(JSON.parse(readFileSync(join(schemaDir, f), 'utf8'))),
    ]),
  );
  const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as {
    resources: string[];
    configMapGenerator: { name: string; envs?: string[]; files?: string[] }[];
    secretGenerator: { name: string; files: string[] }[];
    images: { name: string }[];
  };
  const docs = kustomization.resources.flatMap((file) =>
    parseAllDocuments(read(`deploy/k8s/${file}`)).map((d) => ({
      file,
      doc: d.toJS() as Record<string, unknown>,
    })),
  );
  // What the generators make (their contents are the files'; the secret files are the user's).
  const generated = [
    ...kustomization.configMapGenerator.map((g) => ({
      file: 'kustomization.yaml',
      doc: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data: { key: 'value' } },
    })),
    ...kustomization.secretGenerator.map((g) => ({
      file: 'kustomization.yaml',
      doc: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: g.name },
        type: 'Opaque',
        data: { key: 'dmFsdWU=' },
      },
    })),
  ];

  it('every resource validates against its kind’s schema', () => {
    expect(docs.length).toBeGreaterThan(5);
    for (const { file, doc } of [...docs, ...generated]) {
      const validate = validators.get(doc.kind as string);
      expect(validate, `${file}: no vendored schema for ${String(doc.kind)}`).toBeDefined();
      expect(validate?.(doc), `${file} ${String(doc.kind)}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
  });

  it('the schema check can fail: an unknown field and a wrong type are rejected', () => {
    const deployment = structuredClone(docs.find((d) => d.doc.kind === 'Deployment')?.doc) as {
      spec: Record<string, unknown>;
    };
    const validate = validators.get('Deployment');
    expect(validate?.({ ...deployment, spec: { ...deployment.spec, replicaz: 2 } })).toBe(false);
    expect(validate?.({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).toBe(false);
  });

  it('workers and API: probes, resource requests, the secrets mounted read-only, the code’s ports', () => {
    const env = Object.fromEntries(
      read('deploy/k8s/site.env')
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const code = namesInCode();
    for (const key of Object.keys(env))
      expect(code.has(key), `site.env ${key} is read by no code`).toBe(true);
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment').map((d) => d.doc) as {
      metadata: { name: string };
      spec: { replicas: number; template: { spec: { containers: unknown[] } } };
    }[];
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers as {
        image: string;
        readinessProbe?: unknown;
        livenessProbe?: unknown;
        resources?: { requests?: unknown };
        ports?: { containerPort: number }[];
        volumeMounts?: { mountPath: string; readOnly?: boolean }[];
      }[]) {
        expect(c.readinessProbe, d.metadata.name).toBeDefined();
        expect(c.livenessProbe, d.metadata.name).toBeDefined();
        expect(c.resources?.requests, d.metadata.name).toBeDefined();
        if (c.image === 'aifb') {
          const port = c.ports?.[0]?.containerPort;
          expect([Number(env.AIFB_WORKER_METRICS_PORT), Number(env.AIFB_API_PORT)]).toContain(port);
          for (const key of ['AIFB_SLURM_IDENTITY_FILE', 'AIFB_SLURM_KNOWN_HOSTS']) {
            const mount = c.volumeMounts?.find((m) => m.mountPath === env[key]);
            expect(mount?.readOnly, `${d.metadata.name}: ${key}`).toBe(true);
          }
          expect(c.volumeMounts?.some((m) => m.mountPath === env.AIFB_DATA_DIR)).toBe(true);
        } else {
          expect(IMAGES, `${d.metadata.name}: ${c.image}`).toContain(c.image);
        }
      }
    }
    expect(deployments.find((d) => d.metadata.name === 'aifb-worker')?.spec.replicas).toBeGreaterThan(1);
    // The key's volume: readable by the pod's group (fsGroup 10001), by nobody else.
    for (const d of deployments) {
      const volumes = (
        d.spec.template.spec as { volumes?: { secret?: { secretName: string; defaultMode?: number } }[] }
      ).volumes;
      for (const v of volumes ?? []) {
        if (v.secret?.secretName === 'aifb-ssh') expect((v.secret.defaultMode ?? 0o644) & 0o077).toBe(0o040);
      }
    }
    expect(kustomization.images.map((i) => i.name)).toContain('aifb');
  });

  it('Temporal from the official chart: the values pin the images of deploy/images.txt', () => {
    const values = parse(read('deploy/k8s/temporal/values.yaml')) as Record<
      string,
      { image: { repository: string; tag: string } }
    >;
    for (const part of ['server', 'admintools', 'web']) {
      const image = values[part]?.image;
      expect(IMAGES, part).toContain(`${image?.repository}:${image?.tag}`);
    }
  });
});
