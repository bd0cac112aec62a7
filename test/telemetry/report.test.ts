/**
 * `aifb report` of real benchmarks (simulator, local executor, through the workflow, with real
 * Prometheus and Pushgateway), opened in headless Chromium with every network request refused:
 * every plot is drawn, nothing is fetched, the console stays clean. The API serves the same
 * report. A screenshot of it is left at AIFB_REPORT_SCREENSHOT (default: the test's temp folder).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { TemporalControl } from '../../control/temporal-control';
import { WORKFLOW_TYPE } from '../../core/contract';
import type { AifbConfig } from '../../core/node/config';
import {
  type DevEnv,
  inProcessWorker,
  runAifb,
  simulatorRecipe,
  startDevEnv,
  testConfig,
} from '../integration/harness';
import { type PromStack, startPromStack } from './prom-stack';

const CHROMIUM = process.env.AIFB_CHROMIUM ?? '/usr/bin/chromium';

let prom: PromStack;
let dev: DevEnv;
let config: AifbConfig;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`make setup\` (Debian package chromium) or set AIFB_CHROMIUM`,
    );
  }
  prom = await startPromStack();
  dev = await startDevEnv();
  config = {
    ...testConfig(),
    telemetry: {
      pushgatewayUrl: prom.pushgatewayUrl,
      prometheusUrl: prom.prometheusUrl,
      lokiUrl: null,
      pushRetentionMs: null,
      pushIntervalMs: 1000,
    },
  };
});
afterAll(async () => {
  await dev?.teardown();
  await prom?.stop();
});

/**
 * Open-loop stages against a simulator that serves `slots` requests at once (service time
 * 50 + 19 × 5 = 145 ms, so about slots / 0.145 req/s): the last rate overloads one slot pair.
 */
const sweep = (name: string, slots: number, rates: number[]) =>
  simulatorRecipe({
    name,
    service: {
      kind: 'simulator',
      simulator: { ttft: '50ms', itl: '5ms', outputTokens: 20, seed: 3, maxConcurrency: slots },
      health: { timeout: '20s', interval: '200ms' },
    },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 32, outputTokens: 20 } },
      clients: { count: 2 },
      stages: rates.map((rate) => ({
        name: `r${rate}`,
        mode: 'constant',
        rate,
        duration: '3s',
        warmup: '1s',
        cooldown: '1s',
      })),
      // A shared, busy machine delays sends; this test is about the report, not the generator.
      validity: { maxScheduleLagP99: '1s', rateTolerancePct: 20 },
    },
  });

async function runBenchmark(name: string, slots: number, rates: number[]): Promise<string> {
  const worker = await inProcessWorker(dev, config);
  const id = `bench-${name}-${Date.now().toString(36)}`;
  await worker.runUntil(
    dev.env.client.workflow.execute(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: id,
      args: [sweep(name, slots, rates)],
    }),
  );
  return id;
}

function aifb(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AIFB_LOG_LEVEL: 'ERROR' };
  for (const key of ['AIFB_API_URL', 'AIFB_API_TOKEN']) delete env[key];
  Object.assign(env, {
    TEMPORAL_ADDRESS: dev.address,
    AIFB_DATA_DIR: config.dataDir,
    AIFB_TASK_QUEUE: config.taskQueue,
    AIFB_PROMETHEUS_URL: prom.prometheusUrl,
  });
  return runAifb(args, env);
}

interface PageCheck {
  /** `marks`: drawn data (lines of two points or more, dots, bars), not axes or grid. */
  plots: { id: string; marks: number; width: number }[];
  missing: string[];
  notes: string[];
  consoleErrors: string[];
  blocked: string[];
}

/** Opens a report file with the network refused; what was drawn, said and attempted. */
async function openReport(file: string, screenshot?: string): Promise<PageCheck> {
  const profile = mkdtempSync(join(tmpdir(), 'aifb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    // launchPersistentContext passes the fresh --user-data-dir itself.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1200, height: 900 },
    offline: true,
  });
  const url = pathToFileURL(file).href;
  const blocked: string[] = [];
  const consoleErrors: string[] = [];
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    await page.goto(url, { waitUntil: 'load' });
    // A string: the test is compiled without the DOM's types.
    const found = (await page.evaluate(`(() => ({
      plots: [...document.querySelectorAll('figure[data-plot]')].map((f) => {
        const svg = f.querySelector('svg');
        const marks = svg
          ? [...svg.querySelectorAll('g[aria-label=line] path')].filter((p) => /L/.test(p.getAttribute('d') || '')).length +
            svg.querySelectorAll('g[aria-label=dot] circle, g[aria-label=bar] rect').length
          : 0;
        return { id: f.getAttribute('data-plot'), marks, width: svg ? svg.getBoundingClientRect().width : 0 };
      }),
      missing: [...document.querySelectorAll('figure[data-plot-missing]')].map((f) => f.getAttribute('data-plot-missing')),
      notes: [...document.querySelectorAll('.note')].map((n) => n.textContent),
    }))()`)) as Omit<PageCheck, 'consoleErrors' | 'blocked'>;
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { ...found, consoleErrors, blocked };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('aifb report in a browser', () => {
  let slow = '';
  let fast = '';

  it('draws every plot of a real run offline, with the timeline from Prometheus and no console error', async () => {
    slow = await runBenchmark('rep-slow', 2, [4, 8, 12, 16]);
    const out = mkdtempSync(join(tmpdir(), 'aifb-report-out-'));
    const written = await aifb(['report', slow, '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    const html = join(out, `report-${slow}.html`);
    expect(written.stdout).toContain(html);
    const figures = readdirSync(join(out, `report-${slow}-figures`)).sort();
    const screenshot = process.env.AIFB_REPORT_SCREENSHOT ?? join(out, 'report.png');
    const page = await openReport(html, screenshot);

    expect(page.blocked).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.plots.map((p) => p.id)).toEqual([
      'ttft-vs-rate',
      'tpot-vs-rate',
      'cdf-ttft',
      'cdf-itl',
      'cdf-e2e',
      'timeline-rate',
      'timeline-requests',
      'timeline-kv-cache',
      'timeline-cpu',
    ]);
    for (const plot of page.plots) {
      expect(plot.marks, plot.id).toBeGreaterThan(0);
      expect(plot.width, plot.id).toBeGreaterThan(300);
    }
    // No GPU here: said, not drawn empty.
    expect(page.missing).toEqual(['timeline-gpu', 'timeline-power']);
    expect(page.notes.join('\n')).toMatch(/no GPU on the service's node \(nvidia-smi not found/);
    expect(figures).toEqual(page.plots.map((p) => `${p.id}.svg`).sort());
    const markdown = readFileSync(join(out, `report-${slow}.md`), 'utf8');
    expect(markdown).toContain(
      `![Client request rate over the run](report-${slow}-figures/timeline-rate.svg)`,
    );
    console.log(`report screenshot: ${screenshot}`);

    // The API serves the same document, drawn from the same data.
    const app = await buildApp({
      control: new TemporalControl(dev.env.client, config),
      token: null,
      corsOrigins: [],
      health: async () => ({
        ok: true,
        temporal: { address: '', namespace: '', reachable: true },
        taskQueue: '',
        workers: 1,
      }),
      examplesDir: '/nonexistent',
    });
    try {
      const served = await app.inject({ method: 'GET', url: `/benchmarks/${slow}/report` });
      expect(served.statusCode).toBe(200);
      expect(served.body).toBe(readFileSync(html, 'utf8'));
    } finally {
      await app.close();
    }
  });

  it('compares two runs: curves per run, deltas, a timeline each', async () => {
    fast = await runBenchmark('rep-fast', 4, [4, 8, 12]);
    const out = mkdtempSync(join(tmpdir(), 'aifb-report-out-'));
    const written = await aifb(['report', slow, fast, '--out', out, '--name', 'both', '--format', 'html']);
    expect(written.code, written.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['both.html']);
    const page = await openReport(join(out, 'both.html'), join(out, 'both.png'));
    expect(page.blocked).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.plots.map((p) => p.id)).toEqual(
      expect.arrayContaining(['ttft-vs-rate', 'run1-timeline-rate', 'run2-timeline-rate', 'compare-deltas']),
    );
    for (const plot of page.plots) expect(plot.marks, plot.id).toBeGreaterThan(0);
    const html = readFileSync(join(out, 'both.html'), 'utf8');
    // Every shared stage has its delta against the baseline; r16 ran in the first run only.
    expect(html).toMatch(
      /<td>r12<\/td><td>TTFT p99 ms<\/td><td>[\d.]+<\/td><td>[\d.]+ \((?:[+-][\d.]+, [+-][\d.]+%\) (?:better|worse)|0, 0\.0%\))<\/td>/,
    );
    expect(html).toMatch(/<td>r16<\/td><td>TTFT p99 ms<\/td><td>[\d.]+<\/td><td>-<\/td>/);

    const unknown = await aifb(['report', 'bench-nobody-zzzzzz']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('bench-nobody-zzzzzz');
  });
});
