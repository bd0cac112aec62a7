/** The five dashboards, in the order grafana/README.md shows them. */
import type { BuiltDashboard } from './common';
import { control } from './control';
import { liveRun } from './live-run';
import { logsDashboard } from './logs';
import { postMortem } from './post-mortem';
import { trends } from './trends';

export function buildDashboards(): BuiltDashboard[] {
  return [liveRun(), postMortem(), trends(), logsDashboard(), control()];
}

/** How a dashboard is stored: stable key order as built, two-space indent, final newline. */
export const dashboardText = (d: BuiltDashboard) => `${JSON.stringify(d.json, null, 2)}\n`;
