// The checked-in dashboards and README panel map are what grafana/src generates: edit the code,
// then `npm run grafana:build`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPath, grafanaDir, readmePath } from './build';
import { buildDashboards, dashboardText } from './src/dashboards';
import { panelMap, withPanelMap } from './src/panel-map';

const dashboards = buildDashboards();

describe('grafana/dashboards is generated', () => {
  it.each(dashboards.map((d) => [d.file, d] as const))('%s equals what grafana/src builds', (file, d) => {
    expect(existsSync(dashboardPath(file)), `${file} missing: run npm run grafana:build`).toBe(true);
    expect(readFileSync(dashboardPath(file), 'utf8'), 'stale: run npm run grafana:build').toBe(
      dashboardText(d),
    );
  });

  it('holds exactly the five dashboards, with distinct uids', () => {
    expect(readdirSync(join(grafanaDir, 'dashboards')).sort()).toEqual(dashboards.map((d) => d.file).sort());
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(5);
  });

  it('grafana/README.md carries the current panel map', () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme, 'stale panel map: run npm run grafana:build').toBe(
      withPanelMap(readme, panelMap(dashboards)),
    );
  });

  it('building twice gives the same bytes (ids and order are stable)', () => {
    expect(buildDashboards().map(dashboardText)).toEqual(dashboards.map(dashboardText));
  });
});
