/**
 * `npm run grafana:build`: writes grafana/dashboards/*.json from grafana/src and the panel map
 * into grafana/README.md. Both are checked in; grafana/build.test.ts fails when they differ
 * from what the code generates.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboards, dashboardText } from './src/dashboards';
import { panelMap, withPanelMap } from './src/panel-map';

export const grafanaDir = fileURLToPath(new URL('.', import.meta.url));
export const readmePath = join(grafanaDir, 'README.md');
export const dashboardPath = (file: string) => join(grafanaDir, 'dashboards', file);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dashboards = buildDashboards();
  for (const d of dashboards) writeFileSync(dashboardPath(d.file), dashboardText(d));
  writeFileSync(readmePath, withPanelMap(readFileSync(readmePath, 'utf8'), panelMap(dashboards)));
  console.log(`wrote ${dashboards.map((d) => `dashboards/${d.file}`).join(', ')} and the README panel map`);
}
