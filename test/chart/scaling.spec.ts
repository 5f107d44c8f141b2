// Scaling that respects a pause: the rendered ScaledObject validated against KEDA's CRD schema,
// and its scalingModifiers formula evaluated by expr-lang/expr (KEDA's own expression library,
// KEDA_FORMULA_BIN from scripts/servers/keda-formula.mjs) for paused, not paused, an empty queue
// and scale to zero; the replica counts then follow the HPA's rule for an AverageValue target.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

const CHART = join(process.cwd(), 'charts', 'nest-sqs-worker');
const VALUES = join(process.cwd(), 'test', 'chart', 'values');
const { HELM_BIN: HELM, KEDA_FORMULA_BIN: FORMULA } = process.env;
const IS_CI = process.env.CI === 'true' || process.env.CI === '1';
if ((!HELM || !FORMULA) && IS_CI) throw new Error('HELM_BIN and KEDA_FORMULA_BIN must be set under CI');
const skip = HELM && FORMULA ? false : 'HELM_BIN or KEDA_FORMULA_BIN not set (run through `npm test chart`)';

type Manifest = { kind: string; spec: any; [key: string]: any };

function run(bin: string, args: string[], input?: string) {
  const res = spawnSync(bin, args, { encoding: 'utf8', input });
  return { code: res.status ?? 1, out: res.stdout, err: res.stderr };
}

function render(file: string, sets: string[] = []): Manifest[] {
  const args = ['template', 'rel', CHART, '--namespace', 'workers', '-f', join(VALUES, file)];
  for (const set of sets) args.push('--set', set);
  const res = run(HELM!, args);
  assert.equal(res.code, 0, res.err);
  return parseAllDocuments(res.out)
    .map((d) => d.toJSON())
    .filter(Boolean);
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}`);
  return found[0];
}

/** The formula's value per case, computed by KEDA's expression library. */
function evaluate(formula: string, cases: Array<Record<string, number>>): number[] {
  const res = run(FORMULA!, [], JSON.stringify({ formula, cases }));
  assert.equal(res.code, 0, res.err);
  return (JSON.parse(res.out) as { results: number[] }).results;
}

/**
 * What the HPA and KEDA do with the composite metric: at or below the activation target the
 * ScaledObject is inactive (minReplicaCount, zero here); above it, ceil(value / target) pods
 * (AverageValue), within the bounds.
 */
function replicas(value: number, so: Manifest): number {
  const { target, activationTarget } = so.spec.advanced.scalingModifiers;
  if (value <= Number(activationTarget)) return so.spec.minReplicaCount;
  const wanted = Math.ceil(value / Number(target));
  return Math.min(so.spec.maxReplicaCount, Math.max(1, so.spec.minReplicaCount, wanted));
}

describe('scaling that respects a pause', { skip }, () => {
  it('keda with a Prometheus address: queue, paused and pods triggers, valid against the KEDA CRD', () => {
    const so = one(render('keda-pause.yaml'), 'ScaledObject');
    assert.doesNotThrow(() => new keda.ScaledObject(so as any).validate());
    assert.deepEqual(
      so.spec.triggers.map((t: any) => [t.name, t.type]),
      [
        ['queue', 'aws-sqs-queue'],
        ['paused', 'prometheus'],
        ['pods', 'prometheus'],
      ],
    );
    for (const trigger of so.spec.triggers.slice(1)) {
      assert.equal(trigger.metadata.serverAddress, 'http://prometheus-operated.monitoring:9090');
      // The same selector as the alert rules: the ServiceMonitor's namespace and job.
      assert.match(trigger.metadata.query, /sqs_intake_paused\{namespace="workers", job="rel-nest-sqs-worker"\}/);
    }
    assert.equal(so.spec.advanced.scalingModifiers.metricType, 'AverageValue');
    assert.equal(so.spec.advanced.scalingModifiers.target, '10', 'the target is queueLength, as without the formula');
  });

  it('the formula, run by expr-lang/expr: paused holds, not paused follows the queue, empty scales to zero', () => {
    const so = one(render('keda-pause.yaml'), 'ScaledObject');
    const { formula } = so.spec.advanced.scalingModifiers;
    const cases = {
      'not paused, backlog 95 on 3 pods: 10 pods, as the queue trigger alone': {
        queue: 95,
        paused: 0,
        pods: 3,
        want: 10,
      },
      'paused, backlog 500 on 3 pods: held at 3': { queue: 500, paused: 3, pods: 3, want: 3 },
      'one pod of 3 paused, backlog 500: held at 3': { queue: 500, paused: 1, pods: 3, want: 3 },
      'paused, backlog 12 on 3 pods: never above, the queue may lower it': { queue: 12, paused: 3, pods: 3, want: 2 },
      'not paused, queue empty: inactive, scaled to zero': { queue: 0, paused: 0, pods: 2, want: 0 },
      'paused, queue empty: nothing to hold, scaled to zero': { queue: 0, paused: 2, pods: 2, want: 0 },
      'scaled to zero (no pod reports), backlog 40: wakes (a new pod starts paused if Keycloak is down)': {
        queue: 40,
        paused: 0,
        pods: 0,
        want: 4,
      },
      'backlog beyond maxReplicaCount: capped': { queue: 10_000, paused: 0, pods: 5, want: 20 },
    };
    const values = evaluate(
      formula,
      Object.values(cases).map(({ queue, paused, pods }) => ({ queue, paused, pods })),
    );
    for (const [i, [name, { want }]] of Object.entries(cases).entries()) {
      assert.equal(replicas(values[i], so), want, `${name} (formula gave ${values[i]})`);
    }
  });

  it('KEDA would refuse the formula if a trigger name were missing (the check is strict)', () => {
    const so = one(render('keda-pause.yaml'), 'ScaledObject');
    const res = run(
      FORMULA!,
      [],
      JSON.stringify({ formula: so.spec.advanced.scalingModifiers.formula, cases: [{ queue: 1 }] }),
    );
    assert.notEqual(res.code, 0);
    assert.match(res.err, /unknown name paused/);
  });

  it("without Prometheus, pause.fromService: the pods' /health/intake and a pod count feed the same formula", () => {
    const manifests = render('keda-pause-service.yaml');
    const so = one(manifests, 'ScaledObject');
    assert.doesNotThrow(() => new keda.ScaledObject(so as any).validate());
    assert.deepEqual(
      so.spec.triggers.map((t: any) => [t.name, t.type]),
      [
        ['queue', 'aws-sqs-queue'],
        ['paused', 'metrics-api'],
        ['pods', 'kubernetes-workload'],
      ],
    );
    const [, paused, pods] = so.spec.triggers;
    // The Service's port and the route the service answers (test/app/health-metrics.e2e-spec.ts).
    assert.equal(paused.metadata.url, 'http://rel-nest-sqs-worker.workers.svc:3000/health/intake');
    assert.equal(paused.metadata.valueLocation, 'paused');
    // The pod count selects exactly the Deployment's pods.
    const selector = one(manifests, 'Deployment').spec.selector.matchLabels as Record<string, string>;
    assert.deepEqual(
      pods.metadata.podSelector.split(',').sort(),
      Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    );
    // The same formula the expression-library test runs: paused > 0 holds the count either way.
    assert.equal(
      so.spec.advanced.scalingModifiers.formula,
      one(render('keda-pause.yaml'), 'ScaledObject').spec.advanced.scalingModifiers.formula,
    );
  });

  it('pause.fromService refuses minReplicaCount 0 (no pod could answer, KEDA could not wake it)', () => {
    const res = run(HELM!, [
      'template',
      'rel',
      CHART,
      '-f',
      join(VALUES, 'keda-pause-service.yaml'),
      '--set',
      'autoscaling.keda.minReplicaCount=0',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.err, /fromService needs minReplicaCount >= 1/);
  });

  it('without a Prometheus address: the queue trigger alone, no formula', () => {
    const so = one(render('irsa-keda.yaml'), 'ScaledObject');
    assert.equal(so.spec.triggers.length, 1);
    assert.equal(so.spec.advanced.scalingModifiers, undefined);
  });

  it('both modes carry the same behavior: a scale-up ramp and a 300 s scale-down window', () => {
    const so = one(render('keda-pause.yaml'), 'ScaledObject');
    const hpa = one(render('hpa.yaml'), 'HorizontalPodAutoscaler');
    assert.doesNotThrow(() => new autoscaling.HorizontalPodAutoscaler(hpa as any).validate());
    const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
    assert.deepEqual(hpa.spec.behavior, behavior);
    assert.equal(behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(behavior.scaleUp.stabilizationWindowSeconds, 60);
    // Max of 2 pods and 100 % per minute: 1 -> 3 -> 6 -> 12, never a jump to maxReplicaCount.
    assert.equal(behavior.scaleUp.selectPolicy, 'Max');
    assert.deepEqual(
      behavior.scaleUp.policies.map((p: any) => [p.type, p.value, p.periodSeconds]),
      [
        ['Pods', 2, 60],
        ['Percent', 100, 60],
      ],
    );
  });

  it('rejects a Prometheus address that is not an http(s) URL, naming the value', () => {
    const res = run(HELM!, [
      'lint',
      '--strict',
      CHART,
      '-f',
      join(VALUES, 'keda-pause.yaml'),
      '--set',
      'autoscaling.keda.pause.prometheusAddress=prometheus:9090',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(`${res.out}${res.err}`, /autoscaling\/keda\/pause\/prometheusAddress/);
  });
});
