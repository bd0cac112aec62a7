/**
 * Control: the benchmarks and deployments the API lists (Infinity reading it), with Grafana's
 * native panel actions to stop, stop a stage, cancel, start (an example or a pasted recipe) and
 * take deployments up and down. Why native actions and not the Business Forms panel: grafana/README.md.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { type BuiltDashboard, DS, finish, newDashboard, panel, UNIT } from './common';
import { apiAction, apiTable, type InfinityColumn } from './infinity';

const API = { type: DS.api.type, uid: '${api}' };
const str = (selector: string): InfinityColumn => ({ selector, text: selector, type: 'string' });
const time = (selector: string): InfinityColumn => ({ selector, text: selector, type: 'timestamp' });

const BENCH = '${__data.fields.benchmarkId}';

/**
 * GET /recipes returns each example's recipe as an object; a JSONata root selector turns it into
 * a JSON string column, which the Start action posts as the body.
 */
export const RECIPES_ROOT =
  '$map($, function($r) { {"file": $r.file, "name": $r.name, "description": $r.description, "recipe": $string($r.recipe)} })';

export function control(): BuiltDashboard {
  const api = new dashboard.DatasourceVariableBuilder('api')
    .label('aifb API')
    .type(DS.api.type)
    .description("The Infinity datasource whose URL is the aifb API's (AIFB_API_URL, with its token)")
    .current({ text: DS.api.uid, value: DS.api.uid });
  const apiUrl = new dashboard.TextBoxVariableBuilder('api_url')
    .label('API URL')
    .description(
      "The aifb API's URL as Grafana's server reaches it: the same as the aifb-api datasource's URL (actions need an absolute URL, and Infinity sends the token only there).",
    )
    .defaultValue('http://127.0.0.1:8080');

  const b = newDashboard(
    'aifb / Control',
    'aifb-control',
    'Start, stop and cancel benchmarks and take deployments up and down, through the aifb API. Every action asks before it acts.',
  )
    .time({ from: 'now-24h', to: 'now' })
    .refresh('10s')
    .withVariable(api)
    .withVariable(apiUrl);

  b.withPanel(
    panel(
      new table.PanelBuilder()
        .unit(UNIT.string)
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('startedAt').desc(true)])
        .actions([
          apiAction({
            title: 'Stop',
            method: 'POST',
            path: `/benchmarks/${BENCH}/stop`,
            body: '{"reason":"stopped from Grafana"}',
            confirmation: `Stop ${BENCH}? The current stage ends now and keeps its numbers, no further stage starts, teardown runs.`,
          }),
          apiAction({
            title: 'Stop stage',
            method: 'POST',
            path: `/benchmarks/${BENCH}/stages/current/stop`,
            confirmation: `End the current stage of ${BENCH} now? It keeps its numbers and the next stage starts.`,
          }),
          apiAction({
            title: 'Cancel',
            method: 'POST',
            path: `/benchmarks/${BENCH}/cancel`,
            confirmation: `Cancel ${BENCH}? Teardown runs and the run ends as cancelled; finished stages are kept.`,
          }),
        ]),
      {
        title: 'Benchmarks',
        description:
          'Benchmarks from Temporal visibility, newest first (GET /benchmarks). Click a cell for Stop, Stop stage or Cancel; each asks first. A finished run answers 409 (nothing to stop).',
        w: 24,
        h: 10,
        datasource: API,
        targets: [
          apiTable('/benchmarks?pageSize=100', 'items', [
            str('benchmarkId'),
            str('status'),
            str('phase'),
            str('recipeName'),
            str('serviceKind'),
            str('executor'),
            time('startedAt'),
            time('closedAt'),
          ]),
        ],
      },
    ),
  )
    .withPanel(
      panel(
        new table.PanelBuilder()
          .unit(UNIT.string)
          .overrideByName('recipe', [{ id: 'custom.hidden', value: true }])
          .actions([
            apiAction({
              title: 'Start',
              method: 'POST',
              path: '/benchmarks',
              body: '${__data.fields.recipe}',
              confirmation:
                'Start a benchmark from ${__data.fields.file}? It runs on the workers until it ends or is stopped.',
            }),
          ]),
        {
          title: 'Start from an example',
          description:
            "The API's example recipes (GET /recipes, examples/ of the API's checkout). Click a cell and Start to run one as it is.",
          w: 12,
          h: 9,
          datasource: API,
          targets: [
            apiTable('/recipes', RECIPES_ROOT, [str('name'), str('description'), str('file'), str('recipe')]),
          ],
        },
      ),
    )
    .withPanel(
      panel(
        new stat.PanelBuilder()
          .unit(UNIT.count)
          .graphMode(common.BigValueGraphMode.None)
          .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('/^workers$/'))
          .actions([
            apiAction({
              title: 'Start a pasted recipe',
              method: 'POST',
              path: '/benchmarks',
              body: '$recipe',
              contentType: 'text/plain',
              variables: [{ key: 'recipe', name: 'Recipe (JSON, or YAML in flow style on one line)' }],
              confirmation:
                'Start this recipe? The API refuses a bad one with every problem and its field path.',
            }),
            apiAction({
              title: 'Deploy up (pasted deployment recipe)',
              method: 'POST',
              path: '/deployments',
              body: '$deployment',
              contentType: 'text/plain',
              variables: [
                { key: 'deployment', name: 'Deployment recipe (JSON, or YAML in flow style on one line)' },
              ],
              confirmation: 'Start this deployment? It serves benchmarks until its ttl or Take down.',
            }),
          ]),
        {
          title: 'Workers polling',
          description:
            "Workers polling the API's task queue (GET /health): 0 means nothing will run. Click it to start a pasted benchmark or deployment recipe.",
          w: 12,
          h: 9,
          datasource: API,
          targets: [
            apiTable('/health', '', [
              { selector: 'workers', text: 'workers', type: 'number' },
              { selector: 'taskQueue', text: 'taskQueue', type: 'string' },
            ]),
          ],
        },
      ),
    )
    .withPanel(
      panel(
        new table.PanelBuilder().unit(UNIT.string).actions([
          apiAction({
            title: 'Take down',
            method: 'DELETE',
            path: '/deployments/${__data.fields.name}',
            queryParams: [['reason', 'taken down from Grafana']],
            confirmation:
              'Take deployment ${__data.fields.name} down? Its service job is torn down; benchmarks using it fail from now on.',
          }),
        ]),
        {
          title: 'Deployments',
          description:
            'Long-lived services (GET /deployments), the newest run of each name, running ones first. Click a cell and Take down to end one.',
          w: 24,
          h: 8,
          datasource: API,
          targets: [
            apiTable('/deployments', '', [
              str('name'),
              str('status'),
              str('phase'),
              str('endpoint'),
              str('serviceKind'),
              str('executor'),
              time('startedAt'),
              time('expiresAt'),
            ]),
          ],
        },
      ),
    );

  return finish('control.json', b);
}
