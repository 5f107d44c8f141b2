// The chart's alerts and dashboard, and the service's metrics exposition, checked with the real
// promtool (PROMTOOL_BIN, built by scripts/servers/promtool.mjs): the PrometheusRule's alerts
// pass their unit tests (test/chart/rules/alerts.test.yaml), every PromQL expression of the
// dashboard parses, every metric they name exists, and `promtool check metrics` accepts /metrics.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { EventEmitter } from 'node:events';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Subject } from 'rxjs';
import { parseAllDocuments, stringify } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { BreakerMetrics, bindSqsMetrics, registerBuildInfo, SqsMetrics } from '../../src/metrics/index.js';
import { DeadLetterReason, SqsStatus, type SqsEvents } from '../../src/sqs/index.js';
import { headings } from '../docs/support/markdown.js';

const ROOT = process.cwd();
const CHART = join(ROOT, 'charts', 'nest-sqs-worker');
const HELM = process.env.HELM_BIN;
const PROMTOOL = process.env.PROMTOOL_BIN;
const IS_CI = process.env.CI === 'true' || process.env.CI === '1';
if ((!HELM || !PROMTOOL) && IS_CI)
  throw new Error("HELM_BIN and PROMTOOL_BIN must be set under CI (the chart suite's helm and promtool modules)");
const skip = HELM && PROMTOOL ? false : 'HELM_BIN or PROMTOOL_BIN not set (run through `npm test -- chart`)';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};
type Rule = { alert?: string; record?: string; expr: string; annotations?: Record<string, string> };

function run(bin: string, args: string[], input?: string) {
  const res = spawnSync(bin, args, { encoding: 'utf8', input });
  return { code: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

function render(sets: string[] = []): Manifest[] {
  const res = run(HELM!, [
    'template',
    'rel',
    CHART,
    '--namespace',
    'workers',
    '-f',
    join(ROOT, 'test/chart/values/monitoring.yaml'),
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  assert.equal(res.code, 0, res.out);
  return parseAllDocuments(res.out)
    .map((d) => d.toJSON())
    .filter(Boolean);
}

/** The service's /metrics text, from the same registry set-up as MetricsService, after a few events. */
async function exposition(): Promise<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerBuildInfo(registry);
  new BreakerMetrics(registry).watch('keycloak', { state: 'closed' });
  const events = new EventEmitter();
  const server = {
    status: new Subject<SqsStatus>(),
    on: <E extends keyof SqsEvents>(event: E, cb: SqsEvents[E]) => events.on(event, cb as (...a: unknown[]) => void),
    getSnapshot: () => ({
      status: SqsStatus.Connected,
      waitTimeSeconds: 20,
      inFlight: 1,
      buffered: 0,
      concurrency: 10,
      paused: [],
      queues: 1,
    }),
    unwrap: <T>(): T => {
      throw new Error('unused');
    },
    getHandlers: () => new Map([['user.registered', {}]]),
  };
  const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/work';
  bindSqsMetrics(server, new SqsMetrics(registry), { queueUrls: [url] });
  const info = {
    messageId: 'm',
    queueUrl: url,
    pattern: 'user.registered',
    receiveCount: 1,
    sentTimestamp: Date.now() - 500,
  };
  events.emit('receive', url, 1);
  events.emit('processing_started', info);
  events.emit('processed', info, 12);
  events.emit('dead_lettered', { ...info, pattern: 'nope' }, DeadLetterReason.NoHandler, 'no handler');
  return registry.metrics();
}

/** Metric names a PromQL expression refers to (identifiers followed by `{`). */
const metricNames = (expr: string) =>
  [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));

describe('monitoring: alerts, dashboard and metrics exposition', { skip }, () => {
  let manifests: Manifest[];
  let dir: string;
  let metricsText: string;

  before(async () => {
    manifests = render();
    dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    metricsText = await exposition();
  });

  const rule = () => manifests.find((m) => m.kind === 'PrometheusRule')!;
  const dashboard = () => manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'))!;
  const alertRules = (): Rule[] => rule().spec.groups.flatMap((g: { rules: Rule[] }) => g.rules);
  const dashboardExprs = (): string[] =>
    JSON.parse(dashboard().data['nest-sqs-worker.json'] as string).panels.flatMap(
      (p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr),
    );

  it('renders nothing for monitoring by default', () => {
    const defaults = run(HELM!, ['template', 'rel', CHART, '-f', join(ROOT, 'test/chart/values/required.yaml')]);
    assert.equal(defaults.code, 0, defaults.out);
    assert.doesNotMatch(defaults.out, /kind: PrometheusRule|grafana_dashboard/);
  });

  it('renders a valid PrometheusRule with the six alerts, scoped to the release, with its labels', () => {
    new monitoring.PrometheusRule(rule() as never).validate();
    assert.equal(rule().metadata.labels!.release, 'kube-prometheus-stack');
    assert.deepEqual(
      alertRules().map((r) => r.alert),
      [
        'SqsMessagesDeadLettered',
        'SqsMessagesWaiting',
        'SqsConsumerNotReceiving',
        'SqsIntakePaused',
        'SqsReceiveErrors',
        'SqsInternalErrors',
      ],
    );
    for (const r of alertRules()) assert.match(r.expr, /namespace="workers", job="rel-nest-sqs-worker"/);
  });

  it('the alerts pass their promtool unit tests', () => {
    writeFileSync(join(dir, 'rendered-rules.yaml'), stringify({ groups: rule().spec.groups }));
    copyFileSync(join(ROOT, 'test/chart/rules/alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
    const checked = run(PROMTOOL!, ['check', 'rules', join(dir, 'rendered-rules.yaml')]);
    assert.equal(checked.code, 0, checked.out);
    const tested = run(PROMTOOL!, ['test', 'rules', join(dir, 'alerts.test.yaml')]);
    assert.equal(tested.code, 0, tested.out);
  });

  it('every alert links its section of docs/runbook.md, under a configurable base URL', () => {
    const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8');
    const anchors = new Set(headings(runbook).map((h) => h.anchor));
    const base = 'https://github.com/example/nest-sqs-worker/blob/main/docs/runbook.md';
    for (const r of alertRules()) {
      const url = r.annotations?.runbook_url;
      assert.equal(url, `${base}#${r.alert!.toLowerCase()}`, `${r.alert} has no runbook_url to its section`);
      assert.ok(anchors.has(url.split('#')[1]!), `docs/runbook.md has no section for ${r.alert}`);
    }
    const custom = render(['monitoring.prometheusRule.runbookBaseUrl=https://wiki.example.com/sqs']);
    const rules = custom.find((m) => m.kind === 'PrometheusRule')!.spec.groups[0].rules as Rule[];
    for (const r of rules) assert.match(r.annotations!.runbook_url!, /^https:\/\/wiki\.example\.com\/sqs#sqs/);
  });

  it('the thresholds are values', () => {
    const custom = render([
      'monitoring.prometheusRule.intakePausedMinutes=30',
      'monitoring.prometheusRule.messageAgeSeconds=60',
      'monitoring.prometheusRule.deadLetteredThreshold=5',
    ]);
    const rules = custom.find((m) => m.kind === 'PrometheusRule')!.spec.groups[0].rules as Array<
      Rule & { for?: string }
    >;
    assert.equal(rules.find((r) => r.alert === 'SqsIntakePaused')!.for, '30m');
    assert.match(rules.find((r) => r.alert === 'SqsMessagesWaiting')!.expr, /> 60$/);
    assert.match(rules.find((r) => r.alert === 'SqsMessagesDeadLettered')!.expr, /> 5$/);
  });

  it('renders the dashboard as a ConfigMap the Grafana sidecar picks up, and every expression in it parses', () => {
    const cm = dashboard();
    new core.ConfigMap(cm as never).validate();
    assert.equal(cm.metadata.labels!.grafana_dashboard, '1');
    assert.equal(cm.metadata.annotations!.grafana_folder, 'Workers');
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 8);
    // Grafana's variables are not PromQL: give them values, then let promtool parse each one.
    const concrete = (e: string) =>
      e
        .replaceAll('$__rate_interval', '5m')
        .replaceAll('$namespace', 'workers')
        .replaceAll('$job', 'rel-nest-sqs-worker');
    writeFileSync(
      join(dir, 'dashboard-rules.yaml'),
      stringify({
        groups: [
          { name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: concrete(e) })) },
        ],
      }),
    );
    const checked = run(PROMTOOL!, ['check', 'rules', join(dir, 'dashboard-rules.yaml')]);
    assert.equal(checked.code, 0, checked.out);
  });

  it('shows throughput, in-flight against concurrency, latency percentiles, retries, dead letters by reason and pause state', () => {
    const titles = JSON.parse(dashboard().data['nest-sqs-worker.json'] as string)
      .panels.map((p: { title: string }) => p.title)
      .join(' | ');
    for (const want of [
      /Throughput/,
      /In flight against concurrency/,
      /latency/,
      /Retries/,
      /Dead letters by reason/,
      /Intake paused/,
    ])
      assert.match(titles, want);
    const exprs = dashboardExprs().join('\n');
    for (const q of ['0.5', '0.95', '0.99'])
      assert.ok(
        exprs.includes(`histogram_quantile(${q}, sum by (le) (rate(sqs_handler_duration_seconds_bucket`),
        `p${q}`,
      );
  });

  it("every metric the alerts and the dashboard use is in the service's exposition", () => {
    const exposed = new Set([...metricsText.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const expr of [...alertRules().map((r) => r.expr), ...dashboardExprs()]) {
      for (const name of metricNames(expr)) assert.ok(exposed.has(name), `${name} (in ${expr}) is not exposed`);
    }
  });

  it('promtool check metrics accepts the exposition: nothing to say about ours', () => {
    const checked = run(PROMTOOL!, ['check', 'metrics'], metricsText);
    // prom-client's default process metrics name three gauges *_total; they are not ours to rename.
    const PROM_CLIENT_DEFAULTS =
      /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    const findings = checked.out.split('\n').filter((line) => line.trim() && !PROM_CLIENT_DEFAULTS.test(line));
    assert.deepEqual(findings, []);
    assert.ok(checked.code === 0 || checked.out.includes('nodejs_active_handles_total'), checked.out);
  });
});
