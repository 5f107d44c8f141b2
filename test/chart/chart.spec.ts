// The Helm chart, checked with the real helm (HELM_BIN, provided by scripts/servers/helm.mjs):
// strict lint, schema rejections, and the rendered manifests validated offline against the
// Kubernetes, KEDA and Prometheus Operator API schemas, then asserted on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const ROOT = process.cwd();
const CHART = join(ROOT, 'charts', 'nest-sqs-worker');
const VALUES = join(ROOT, 'test', 'chart', 'values');
const HELM = process.env.HELM_BIN;
const IS_CI = process.env.CI === 'true' || process.env.CI === '1';
if (!HELM && IS_CI) throw new Error('HELM_BIN is not set under CI: the chart suite needs the helm server module');
const skip = HELM ? false : 'HELM_BIN not set (run through `npm test chart`)';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};
interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: any) => Validatable> = {
  'apps/v1/Deployment': apps.Deployment,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Secret': core.Secret,
  'v1/Service': core.Service,
  'v1/ServiceAccount': core.ServiceAccount,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': keda.TriggerAuthentication,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
};

function helm(...args: string[]) {
  const res = spawnSync(HELM!, args, { encoding: 'utf8' });
  return { code: res.status ?? 1, out: `${res.stdout}${res.stderr}` };
}

// The values the chart requires (queue URL, Keycloak URL, client secret), under every render.
const REQUIRED = ['-f', join(VALUES, 'required.yaml')];

function render(valueFiles: string[], sets: string[] = []): Manifest[] {
  const args = ['template', 'rel', CHART, '--namespace', 'workers', ...REQUIRED];
  for (const file of valueFiles) args.push('-f', join(VALUES, file));
  for (const set of sets) args.push('--set', set);
  const res = helm(...args);
  assert.equal(res.code, 0, res.out);
  return parseAllDocuments(res.out)
    .map((d) => d.toJSON())
    .filter(Boolean);
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0];
}

/** Variables of .env.example: `set` are assigned there, `all` also counts the commented-out ones. */
function envExample(): { set: string[]; all: Set<string> } {
  const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
  const names = (re: RegExp) => lines.map((l) => re.exec(l)?.[1]).filter((k): k is string => !!k);
  return { set: names(/^([A-Z][A-Z0-9_]*)=/), all: new Set(names(/^#? ?([A-Z][A-Z0-9_]*)=/)) };
}

function subset(small: Record<string, string>, big: Record<string, string>, what: string) {
  for (const [k, v] of Object.entries(small)) assert.equal(big[k], v, `${what}: label ${k}`);
}

const VALUE_SETS: Record<string, string[]> = {
  'the required values only': [],
  'irsa-keda': ['irsa-keda.yaml'],
  'keda-pause': ['keda-pause.yaml'],
  hpa: ['hpa.yaml'],
  'existing-secret': ['existing-secret.yaml'],
  production: ['production.yaml'],
};

describe('helm chart', { skip }, () => {
  it("Chart.yaml is apiVersion v2 and its appVersion is package.json's version", () => {
    const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.match(chart, /^apiVersion: v2$/m);
    assert.equal(/^appVersion: "?([^"\n]+)"?$/m.exec(chart)?.[1], pkg.version);
  });

  it('every value has a comment in values.yaml and a row in the chart README', () => {
    const lines = readFileSync(join(CHART, 'values.yaml'), 'utf8').split('\n');
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const path: string[] = [];
    for (const [i, line] of lines.entries()) {
      const m = /^( *)([A-Za-z][A-Za-z0-9]*):(.*)$/.exec(line);
      if (!m) continue;
      const depth = m[1].length / 2;
      path.length = depth;
      path.push(m[2]);
      const isLeaf = m[3].trim() !== '';
      if (!isLeaf) continue;
      assert.match(lines[i - 1] ?? '', /^\s*#/, `values.yaml: ${path.join('.')} has no comment above it`);
      assert.ok(readme.includes(`\`${path.join('.')}\``), `README.md does not list ${path.join('.')}`);
    }
  });

  for (const [name, files] of Object.entries({ 'the required': ['required.yaml'], production: ['production.yaml'] })) {
    it(`helm lint --strict passes with ${name} values`, () => {
      const res = helm('lint', '--strict', CHART, ...files.flatMap((f) => ['-f', join(VALUES, f)]));
      assert.equal(res.code, 0, res.out);
    });
  }

  const rejections: Array<[string, RegExp]> = [
    ['bad-type.yaml', /at '\/sqs\/concurrency': got string, want integer/],
    ['bad-appenv.yaml', /at '\/appEnv': value must be one of 'production', 'staging', 'integration'/],
    ['two-autoscalers.yaml', /at '\/autoscaling\/mode': value must be one of 'none', 'keda', 'hpa'/],
  ];
  for (const [file, message] of rejections) {
    it(`helm lint rejects ${file} with a message naming the value`, () => {
      const res = helm('lint', '--strict', CHART, '-f', join(VALUES, file));
      assert.notEqual(res.code, 0, res.out);
      assert.match(res.out, message);
    });
  }

  it('refuses to render values the app would reject at boot (rules between values)', () => {
    const res = helm('template', 'rel', CHART, ...REQUIRED, '-f', join(VALUES, 'bad-timeout.yaml'));
    assert.notEqual(res.code, 0);
    assert.match(
      res.out,
      /sqs.receiveRequestTimeoutMs \(20000\) must be at least sqs.waitTimeSeconds\*1000 \+ 5000 \(25000\)/,
    );
    const heartbeat = helm('template', 'rel', CHART, ...REQUIRED, '--set', 'sqs.heartbeatIntervalSeconds=30');
    assert.match(heartbeat.out, /heartbeatIntervalSeconds \(30\) must be below sqs.visibilityTimeout \(30\)/);
  });

  it("sqs.prefetch, sqs.maxReceivers and sqs.maxBufferedBytes reach the app only when set, within the app's ranges", () => {
    const defaults = one(render([]), 'ConfigMap').data;
    assert.ok(
      !('SQS_PREFETCH' in defaults) && !('SQS_MAX_RECEIVERS' in defaults) && !('SQS_MAX_BUFFERED_BYTES' in defaults),
      'unset values leave the app its defaults',
    );
    const set = one(
      render([], ['sqs.prefetch=500', 'sqs.maxReceivers=4', 'sqs.maxBufferedBytes=134217728']),
      'ConfigMap',
    ).data;
    assert.equal(set.SQS_PREFETCH, '500');
    assert.equal(set.SQS_MAX_RECEIVERS, '4');
    assert.equal(set.SQS_MAX_BUFFERED_BYTES, '134217728', 'a large value is not printed in float notation');
    assert.match(
      helm('lint', '--strict', CHART, '--set', 'sqs.maxBufferedBytes=1000').out,
      /at '\/sqs\/maxBufferedBytes': minimum: got 1,000, want /,
    );
    assert.match(
      helm('lint', '--strict', CHART, '--set', 'sqs.prefetch=0').out,
      /at '\/sqs\/prefetch': minimum: got 0, want 1/,
    );
    assert.match(
      helm('lint', '--strict', CHART, '--set', 'sqs.maxReceivers=1001').out,
      /at '\/sqs\/maxReceivers': maximum: got 1,001, want 1,000/,
    );
  });

  it('rejects image tag "latest", an unknown key, and keda without a queue URL', () => {
    assert.notEqual(helm('lint', '--strict', CHART, '--set', 'image.tag=latest').code, 0);
    const unknown = helm('lint', '--strict', CHART, '--set', 'sqs.concurency=3');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.out, /additional properties 'concurency' not allowed/);
    const keda = helm('lint', '--strict', CHART, '--set', 'autoscaling.mode=keda');
    assert.notEqual(keda.code, 0);
    assert.match(keda.out, /queueUrl/);
  });

  for (const [name, files] of Object.entries(VALUE_SETS)) {
    describe(`rendered with ${name} values`, () => {
      let manifests: Manifest[], deployment: Manifest, pod: any, container: any, config: Record<string, string>;
      before(() => {
        manifests = render(files);
        deployment = one(manifests, 'Deployment');
        pod = deployment.spec.template;
        container = pod.spec.containers[0];
        config = one(manifests, 'ConfigMap').data;
      });

      it('every manifest validates against its API schema', () => {
        for (const m of manifests) {
          const Model = MODELS[`${m.apiVersion}/${m.kind}`];
          assert.ok(Model, `no schema model for ${m.apiVersion} ${m.kind}`);
          assert.doesNotThrow(() => new Model(m).validate(), `${m.kind} ${m.metadata.name}`);
        }
      });

      it('probes point at the paths the app serves, on its HTTP port', () => {
        const port = container.ports.find((p: any) => p.name === 'http');
        assert.equal(String(port.containerPort), config.HTTP_PORT);
        assert.deepEqual(container.livenessProbe.httpGet, { path: '/health/live', port: 'http' });
        assert.deepEqual(container.readinessProbe.httpGet, { path: '/health/ready', port: 'http' });
        assert.equal(container.startupProbe.httpGet.path, '/health/live');
      });

      it("the grace period covers the preStop pause plus the app's drain time, with margin", () => {
        const grace = Number(config.SQS_SHUTDOWN_GRACE_SECONDS);
        const [cmd, seconds] = container.lifecycle.preStop.exec.command;
        assert.equal(cmd, 'sleep');
        assert.ok(Number(seconds) > 0, 'preStop pause');
        assert.ok(
          pod.spec.terminationGracePeriodSeconds > grace + Number(seconds),
          `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} <= ${grace} + ${seconds}`,
        );
      });

      it('runs non-root, read-only, unprivileged, with no capabilities and RuntimeDefault seccomp', () => {
        const podSc = pod.spec.securityContext;
        const sc = container.securityContext;
        assert.equal(podSc.runAsNonRoot, true);
        assert.ok(podSc.runAsUser > 0);
        assert.equal(podSc.seccompProfile.type, 'RuntimeDefault');
        assert.equal(sc.runAsNonRoot, true);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities.drop, ['ALL']);
        assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
        assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
      });

      it('selectors match the pod labels', () => {
        const selector = deployment.spec.selector.matchLabels;
        subset(selector, pod.metadata.labels, 'Deployment selector');
        subset(one(manifests, 'Service').spec.selector, pod.metadata.labels, 'Service selector');
        for (const pdb of manifests.filter((m) => m.kind === 'PodDisruptionBudget')) {
          subset(pdb.spec.selector.matchLabels, pod.metadata.labels, 'PDB selector');
        }
        for (const sm of manifests.filter((m) => m.kind === 'ServiceMonitor')) {
          subset(sm.spec.selector.matchLabels, one(manifests, 'Service').metadata.labels!, 'ServiceMonitor selector');
          assert.equal(sm.spec.endpoints[0].path, '/metrics');
        }
      });

      it('never deploys a "latest" image', () => {
        assert.doesNotMatch(container.image, /:latest$/);
        assert.match(container.image, /:[\w.-]+$|@sha256:/);
      });

      it('has at most one autoscaler, and leaves replicas to it', () => {
        const scalers = manifests.filter((m) => m.kind === 'ScaledObject' || m.kind === 'HorizontalPodAutoscaler');
        assert.ok(scalers.length <= 1);
        assert.equal(deployment.spec.replicas === undefined, scalers.length === 1);
        for (const s of scalers) assert.equal(s.spec.scaleTargetRef.name, deployment.metadata.name);
      });

      it('passes exactly the variables of .env.example (config map + secret), secrets only from the Secret', () => {
        const secretEnv = container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name);
        const plainEnv = container.env.filter((e: any) => !e.valueFrom).map((e: any) => e.name);
        const { set, all } = envExample();
        for (const key of [...Object.keys(config), ...secretEnv])
          assert.ok(all.has(key), `${key} is not in .env.example`);
        assert.ok(secretEnv.includes('KEYCLOAK_CLIENT_SECRET'));
        for (const key of [
          'KEYCLOAK_CLIENT_SECRET',
          'REGISTRATION_STAMP_SECRET',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
        ]) {
          assert.ok(!(key in config) && !plainEnv.includes(key), `${key} must come from the Secret`);
        }
        // Everything but the local-only endpoint (rejected in pods) and the optional static keys.
        const optional = new Set(['SQS_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
        assert.ok(!('SQS_ENDPOINT' in config), 'SQS_ENDPOINT is rejected in pods');
        for (const key of set) {
          if (!optional.has(key)) assert.ok(key in config || secretEnv.includes(key), `${key} is not set by the chart`);
        }
        assert.notEqual(config.APP_ENV, 'local');
      });

      it('rolls the pods when the config changes', () => {
        assert.match(pod.metadata.annotations['checksum/config'], /^[a-f0-9]{64}$/);
        const changed = one(render(files, ['logLevel=debug']), 'Deployment');
        assert.notEqual(
          changed.spec.template.metadata.annotations['checksum/config'],
          pod.metadata.annotations['checksum/config'],
        );
      });
    });
  }

  it('defaults (with the required values): no IRSA annotation and nothing that shadows EKS Pod Identity', () => {
    const manifests = render([]);
    const sa = one(manifests, 'ServiceAccount');
    assert.equal(sa.metadata.annotations?.['eks.amazonaws.com/role-arn'], undefined);
    const container = one(manifests, 'Deployment').spec.template.spec.containers[0];
    const names = container.env.map((e: any) => e.name);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ROLE_ARN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ]) {
      assert.ok(!names.includes(name), `${name} must not be set by default`);
    }
    assert.equal(one(manifests, 'Deployment').spec.template.spec.serviceAccountName, sa.metadata.name);
    const secret = one(manifests, 'Secret');
    assert.deepEqual(Object.keys(secret.data), ['KEYCLOAK_CLIENT_SECRET', 'REGISTRATION_STAMP_SECRET']);
    assert.equal(one(manifests, 'Deployment').spec.replicas, 2);
  });

  it('IRSA + KEDA: role annotation, aws-sqs-queue trigger with identityOwner operator, scale to zero', () => {
    const manifests = render(['irsa-keda.yaml']);
    assert.equal(
      one(manifests, 'ServiceAccount').metadata.annotations?.['eks.amazonaws.com/role-arn'],
      'arn:aws:iam::123456789012:role/nest-sqs-worker',
    );
    const so = one(manifests, 'ScaledObject');
    assert.equal(so.spec.minReplicaCount, 0);
    assert.equal(so.spec.maxReplicaCount, 20);
    const [trigger] = so.spec.triggers;
    assert.equal(trigger.type, 'aws-sqs-queue');
    assert.equal(trigger.metadata.queueURL, 'https://sqs.us-east-1.amazonaws.com/123456789012/nest-sqs-worker');
    assert.equal(trigger.metadata.identityOwner, 'operator');
    assert.equal(trigger.metadata.queueLength, '10');
    assert.equal(trigger.metadata.awsRegion, 'us-east-1');
    assert.equal(manifests.filter((m) => m.kind === 'TriggerAuthentication').length, 0);
  });

  it("production: KEDA through a TriggerAuthentication with KEDA's own role, ServiceMonitor, existing Secret", () => {
    const manifests = render(['production.yaml']);
    const auth = one(manifests, 'TriggerAuthentication');
    assert.deepEqual(auth.spec.podIdentity, {
      provider: 'aws',
      roleArn: 'arn:aws:iam::123456789012:role/registration-worker-keda',
    });
    assert.equal(one(manifests, 'ScaledObject').spec.triggers[0].authenticationRef.name, auth.metadata.name);
    assert.equal(one(manifests, 'ServiceMonitor').metadata.labels?.release, 'kube-prometheus-stack');
    assert.equal(manifests.filter((m) => m.kind === 'Secret').length, 0);
    const pod = one(manifests, 'Deployment').spec.template;
    assert.equal(pod.spec.terminationGracePeriodSeconds, 10 + 40 + 10);
    assert.equal(one(manifests, 'ConfigMap').data.SQS_SHUTDOWN_GRACE_SECONDS, '40');
  });

  it('otel.endpoint: the OTLP variables and resource attributes naming the release, pod and node', () => {
    const config = one(render([]), 'ConfigMap').data;
    assert.ok(!('OTEL_EXPORTER_OTLP_ENDPOINT' in config), 'no endpoint by default: no SDK runs');
    const manifests = render(['production.yaml']);
    const data = one(manifests, 'ConfigMap').data;
    assert.equal(data.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector.observability:4318');
    assert.equal(data.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf');
    assert.equal(data.OTEL_SERVICE_NAME, 'registration-worker');
    const env: Array<{ name: string; value?: string; valueFrom?: any }> = one(manifests, 'Deployment').spec.template
      .spec.containers[0].env;
    const names = env.map((e) => e.name);
    const attributes = env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')!.value!.split(',');
    assert.deepEqual(env.find((e) => e.name === 'K8S_POD_NAME')?.valueFrom, {
      fieldRef: { fieldPath: 'metadata.name' },
    });
    for (const variable of ['K8S_POD_NAME', 'K8S_NAMESPACE_NAME', 'K8S_NODE_NAME'])
      assert.ok(names.indexOf(variable) < names.indexOf('OTEL_RESOURCE_ATTRIBUTES'), `${variable} defined before use`);
    for (const attribute of [
      'k8s.pod.name=$(K8S_POD_NAME)',
      'k8s.namespace.name=$(K8S_NAMESPACE_NAME)',
      'k8s.node.name=$(K8S_NODE_NAME)',
      'deployment.environment.name=production',
    ])
      assert.ok(attributes.includes(attribute), `${attribute} in ${attributes.join(',')}`);
    assert.ok(attributes.some((a) => a.startsWith('service.namespace=')));
    assert.ok(attributes.some((a) => a.startsWith('service.version=')));
  });

  it('HPA: CPU target, static keys from the chart-made Secret', () => {
    const manifests = render(['hpa.yaml']);
    const hpa = one(manifests, 'HorizontalPodAutoscaler');
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 60);
    assert.deepEqual(Object.keys(one(manifests, 'Secret').data).sort(), [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'KEYCLOAK_CLIENT_SECRET',
      'REGISTRATION_STAMP_SECRET',
    ]);
    assert.equal(manifests.filter((m) => m.kind === 'ScaledObject').length, 0);
  });

  it('existing Secret: no chart-made Secret, pods read the named one, AWS keys optional', () => {
    const manifests = render(['existing-secret.yaml']);
    assert.equal(manifests.filter((m) => m.kind === 'Secret').length, 0);
    const env = one(manifests, 'Deployment').spec.template.spec.containers[0].env;
    for (const e of env.filter((x: any) => x.valueFrom?.secretKeyRef)) {
      assert.equal(e.valueFrom.secretKeyRef.name, 'nest-sqs-worker-credentials');
      if (e.name.startsWith('AWS_')) assert.equal(e.valueFrom.secretKeyRef.optional, true);
    }
  });
});
