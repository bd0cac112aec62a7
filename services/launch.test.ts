import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe, type Recipe, type RecipeInput } from '../core/recipe';
import { imageFileName } from '../core/service-kinds';
import { renderPullScript, renderServiceScript } from '../slurm-scripts/render';
import { serviceLaunch } from './launch';

const STANDIN = resolve(import.meta.dirname, '../test/fixtures/apptainer');

function recipe(service: RecipeInput['service']): Recipe {
  const parsed = parseRecipe({
    name: 'kinds',
    service,
    workload: { kind: 'openai-chat', stages: [{ mode: 'synchronous', duration: '5s' }] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.recipe;
}

function script(r: Recipe): string {
  if (r.service.kind === 'deployment') throw new Error('a deployment is not launched');
  const launch = serviceLaunch(r.service, '/opt/aifb/dist/simulator.mjs');
  return renderServiceScript({
    jobName: 'bench-k-1-service',
    env: launch.env,
    argv: launch.argv,
    announce: launch.announce,
  });
}

/** A job folder two levels below a root (as the executors lay them out), with a bin/ for fakes. */
function jobDir() {
  const root = mkdtempSync(join(tmpdir(), 'aifb-kinds-'));
  const dir = join(root, 'bench-k-1', 'bench-k-1-service');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'bin'));
  return { root, dir, bin: join(root, 'bin') };
}

/** A fake server program that records its argv and the variables it was given, then exits. */
function fakeProgram(bin: string, name: string) {
  const file = join(bin, name);
  writeFileSync(
    file,
    `#!/usr/bin/env node\nrequire('fs').writeFileSync(process.env.AIFB_JOB_DIR + '/seen-${name}.json', JSON.stringify({ argv: process.argv.slice(2), port: process.env.AIFB_PORT, hf: process.env.HF_HOME, ollama: process.env.OLLAMA_HOST }));\n`,
  );
  chmodSync(file, 0o755);
}

function runJob(text: string, dir: string, bin: string, extraEnv: Record<string, string> = {}) {
  writeFileSync(join(dir, 'job.sh'), text);
  return spawnSync('bash', ['job.sh'], {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${bin}:${STANDIN}:${process.env.PATH}`,
      AIFB_JOB_DIR: dir,
      AIFB_ADVERTISE_HOST: '127.0.0.1',
      AIFB_BIND_HOST: '127.0.0.1',
      ...extraEnv,
    },
    encoding: 'utf8',
  });
}

const seen = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, `seen-${name}.json`), 'utf8'));

describe('service kinds: launch lines', () => {
  const kinds: RecipeInput['service'][] = [
    { kind: 'simulator' },
    { kind: 'command', command: ['python3', '-m', 'http.server', '{port}'] },
    { kind: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct', resources: { gpus: 4 } },
    { kind: 'llamacpp', model: '/models/smollm2.gguf', args: ['--parallel', '4'] },
    { kind: 'ollama', model: 'llama3.1:8b' },
    {
      kind: 'vllm',
      model: 'm',
      image: 'docker://vllm/vllm-openai:v0.11.2',
      hfHome: '/project/hf',
      binds: ['/project/data:/data:ro'],
      resources: { gpus: 2 },
    },
  ];
  it.each(kinds.map((k) => [`${k.kind}${'image' in k ? ' in an image' : ''}`, k]))(
    '%s renders a script bash accepts',
    (_, kind) => {
      const text = script(recipe(kind));
      const check = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    },
  );

  it('vllm: serve MODEL on the job port, tensor parallel over the GPUs asked', () => {
    const text = script(recipe(kinds[2]!));
    expect(text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      'vllm serve meta-llama/Llama-3.1-8B-Instruct --host "${AIFB_BIND_HOST:-0.0.0.0}" --port "$AIFB_PORT" --tensor-parallel-size 4',
    );
    expect(text).toContain('aifb_free_port');
  });

  it('an image runs under apptainer exec with --nv, the binds and HF_HOME bound', () => {
    const text = script(recipe(kinds[5]!));
    const sif = imageFileName('docker://vllm/vllm-openai:v0.11.2');
    expect(text).toContain(
      `apptainer exec --nv --bind /project/data:/data:ro --bind /project/hf "\${AIFB_IMAGE_CACHE:-$AIFB_JOB_DIR/../../.images}"/${sif} vllm serve m`,
    );
    expect(text).toContain('export HF_HOME=/project/hf');
  });

  it('port auto: the job picks a free port, passes it to the server and announces it', () => {
    const { dir, bin } = jobDir();
    fakeProgram(bin, 'llama-server');
    const run = runJob(script(recipe(kinds[3]!)), dir, bin);
    expect(run.stderr).toContain('service exited with status 0');
    const got = seen(dir, 'llama-server');
    const port = Number(got.port);
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_000);
    expect(got.argv).toEqual([
      '--model',
      '/models/smollm2.gguf',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--metrics',
      '--slots',
      '--parallel',
      '4',
    ]);
    expect(readFileSync(join(dir, 'endpoint'), 'utf8')).toBe(`127.0.0.1:${port}\n`);
  });

  it('{port} inside an argument becomes the picked port; a fixed port is used as given', () => {
    const { dir, bin } = jobDir();
    fakeProgram(bin, 'srv');
    runJob(
      script(recipe({ kind: 'command', command: ['srv', '--listen=0.0.0.0:{port}', "it's {port}"] })),
      dir,
      bin,
    );
    const auto = seen(dir, 'srv');
    expect(auto.argv).toEqual([`--listen=0.0.0.0:${auto.port}`, `it's ${auto.port}`]);
    runJob(script(recipe({ kind: 'command', command: ['srv', '{port}'], port: 18_555 })), dir, bin);
    expect(seen(dir, 'srv').argv).toEqual(['18555']);
    expect(readFileSync(join(dir, 'endpoint'), 'utf8')).toBe('127.0.0.1:18555\n');
  });

  it('ollama takes its address from OLLAMA_HOST', () => {
    const { dir, bin } = jobDir();
    fakeProgram(bin, 'ollama');
    runJob(script(recipe(kinds[4]!)), dir, bin);
    const got = seen(dir, 'ollama');
    expect(got.argv).toEqual(['serve']);
    expect(got.ollama).toBe(`127.0.0.1:${got.port}`);
  });

  it('chroma: `chroma run` on the job port, its data in the job folder', () => {
    const { dir, bin } = jobDir();
    fakeProgram(bin, 'chroma');
    runJob(script(recipe({ kind: 'chroma' })), dir, bin);
    const got = seen(dir, 'chroma');
    expect(got.argv).toEqual([
      'run',
      '--host',
      '127.0.0.1',
      '--port',
      got.port,
      '--path',
      `${dir}/service-data`,
    ]);
  });

  it('qdrant: configured by QDRANT__ variables (HTTP on the job port, gRPC on the next)', () => {
    const { dir, bin } = jobDir();
    const file = join(bin, 'qdrant');
    writeFileSync(
      file,
      `#!/usr/bin/env node\nconst q = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('QDRANT__')));\nrequire('fs').writeFileSync(process.env.AIFB_JOB_DIR + '/seen-qdrant.json', JSON.stringify({ argv: process.argv.slice(2), port: process.env.AIFB_PORT, q }));\n`,
    );
    chmodSync(file, 0o755);
    runJob(script(recipe({ kind: 'qdrant' })), dir, bin);
    const got = seen(dir, 'qdrant');
    expect(got.argv).toEqual([]);
    expect(got.q).toEqual({
      QDRANT__SERVICE__HOST: '127.0.0.1',
      QDRANT__SERVICE__HTTP_PORT: got.port,
      QDRANT__SERVICE__GRPC_PORT: String(Number(got.port) + 1),
      QDRANT__STORAGE__STORAGE_PATH: `${dir}/service-data`,
      QDRANT__STORAGE__SNAPSHOTS_PATH: `${dir}/service-data-snapshots`,
      QDRANT__TELEMETRY_DISABLED: 'true',
    });
  });

  it('pulls an image once into the cache, then runs the server inside it (Apptainer stand-in)', () => {
    const { root, dir, bin } = jobDir();
    fakeProgram(bin, 'vllm');
    mkdirSync('/tmp/aifb-bind-src', { recursive: true });
    const r = recipe({
      kind: 'vllm',
      model: 'm',
      image: 'docker://vllm/vllm-openai:v0.11.2',
      hfHome: '/tmp/aifb-bind-src',
      resources: { gpus: 1 },
    });
    const log = join(root, 'apptainer.log');
    const file = imageFileName('docker://vllm/vllm-openai:v0.11.2');
    const pull = renderPullScript({
      jobName: 'bench-k-1-image',
      image: 'docker://vllm/vllm-openai:v0.11.2',
      file,
    });
    const first = runJob(pull, dir, bin, { APPTAINER_STANDIN_LOG: log });
    expect(first.status).toBe(0);
    expect(existsSync(join(root, '.images', file))).toBe(true);
    const second = runJob(pull, dir, bin, { APPTAINER_STANDIN_LOG: log });
    expect(second.stderr).toContain('image already cached');
    const run = runJob(script(r), dir, bin, { APPTAINER_STANDIN_LOG: log });
    expect(run.stderr).toContain('service exited with status 0');
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls).toHaveLength(2); // one pull, one exec: the second pull found the cache
    expect(calls[0]!.slice(0, 2)).toEqual(['pull', '--force']);
    expect(calls[1]!.slice(0, 5)).toEqual([
      'exec',
      '--nv',
      '--bind',
      '/tmp/aifb-bind-src',
      `${dir}/../../.images/${file}`,
    ]);
    expect(seen(dir, 'vllm').hf).toBe('/tmp/aifb-bind-src');
  });

  it('a missing image fails the job with the container runtime message', () => {
    const { dir, bin } = jobDir();
    const run = runJob(
      script(recipe({ kind: 'llamacpp', model: '/m.gguf', image: '/nowhere/x.sif' })),
      dir,
      bin,
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('could not open image /nowhere/x.sif');
  });
});
