/**
 * The Temporal Web UI of the dev server, in headless Chromium (playwright-core): a running
 * benchmark is found by its search attribute, and the filter leaves the others out.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartResult } from '../../control/types';
import { simulatorRecipe } from '../integration/harness';
import { type ApiStack, startApiStack } from './harness';

const CHROMIUM = process.env.AIFB_CHROMIUM ?? '/usr/bin/chromium';

let stack: ApiStack;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`make setup\` (Debian package chromium) or set AIFB_CHROMIUM`,
    );
  }
  stack = await startApiStack({ ui: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium's own connections are refused on a closed
    // network. launch() gives every run a fresh temporary profile (--user-data-dir is refused).
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
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function longRun(name: string) {
  const base = simulatorRecipe({ name });
  return {
    ...base,
    workload: {
      ...(base.workload as object),
      stages: [{ name: 'long', mode: 'concurrency', concurrency: 2, duration: '10m' }],
    },
  };
}

async function start(name: string): Promise<string> {
  const response = await stack.call('POST', '/benchmarks', { body: longRun(name), auth: true });
  expect(response.status).toBe(201);
  return ((await response.json()) as StartResult).benchmarkId;
}

describe('Temporal Web UI', () => {
  it('lists a running benchmark filtered by its AifbBenchmarkId search attribute', async () => {
    const wanted = await start('browser-a');
    const other = await start('browser-b');
    const page = await browser.newPage();
    try {
      const query = encodeURIComponent(`AifbBenchmarkId="${wanted}"`);
      await page.goto(`${stack.uiUrl}/namespaces/default/workflows?query=${query}`);
      // Visibility is eventually consistent: reload until the row is there.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const found = await page
          .getByText(wanted, { exact: true })
          .first()
          .waitFor({ timeout: 5000 })
          .then(() => true)
          .catch(() => false);
        if (found) break;
        if (Date.now() > deadline)
          throw new Error(`the Web UI never listed ${wanted}: ${await page.title()}`);
        await page.reload();
      }
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body).toContain('Running');
      expect(body).not.toContain(other);

      // The same UI filtered by recipe shows the other one.
      await page.goto(
        `${stack.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('AifbRecipe="browser-b"')}`,
      );
      await page.getByText(other, { exact: true }).first().waitFor({ timeout: 30_000 });
    } finally {
      await page.close();
      for (const id of [wanted, other]) await stack.call('POST', `/benchmarks/${id}/cancel`, { auth: true });
    }
  });
});
