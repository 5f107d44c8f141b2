// The chart's security defaults (issue 18, point 5), with the real helm: what a default
// install renders, and what the chart refuses to render. Each case failed on the chart before.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHART, helm, type Manifest, one, render, skip, templateArgs, VALUES } from './helm.js';

type Rule = { to?: Array<{ ipBlock?: { cidr: string; except?: string[] } }>; ports?: Array<{ port: number | string }> };

const ipv4 = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base!.includes(':')) return false; // IPv4 addresses only here
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base!) / size);
}

/** True when some egress rule lets the pods reach `ip`:`port` (IPv4, ipBlock peers). */
function egressAllows(policy: Manifest, ip: string, port: number): boolean {
  return (policy.spec.egress as Rule[]).some(
    (rule) =>
      (rule.ports ?? []).some((p) => p.port === port) &&
      (rule.to ?? []).some(
        (peer) =>
          peer.ipBlock !== undefined &&
          inCidr(ip, peer.ipBlock.cidr) &&
          !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c)),
      ),
  );
}

const IMDS = '169.254.169.254';
const POD_IDENTITY_AGENT = '169.254.170.23';
const renderFails = (sets: string[], files: string[] = []) => {
  const res = helm(...templateArgs(files, sets));
  assert.notEqual(res.code, 0, 'rendered');
  return res.out;
};

describe('chart security defaults', { skip }, () => {
  it('a NetworkPolicy: DNS, AWS endpoints on 443, the Pod Identity agent, Keycloak on its port; instance metadata denied', () => {
    const policy = one(render(), 'NetworkPolicy');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(policy.spec.podSelector.matchLabels, one(render(), 'Deployment').spec.selector.matchLabels);
    const dns = (policy.spec.egress as Rule[]).find((r) => r.ports?.some((p) => p.port === 53));
    assert.ok(dns, 'a DNS rule');
    assert.ok(egressAllows(policy, '52.94.1.1', 443), 'AWS endpoints on 443');
    assert.ok(egressAllows(policy, POD_IDENTITY_AGENT, 80), 'the EKS Pod Identity agent');
    assert.ok(!egressAllows(policy, IMDS, 80) && !egressAllows(policy, IMDS, 443), 'instance metadata denied');
    assert.ok(!egressAllows(policy, '10.0.0.5', 5432), 'nothing else');
    assert.ok(!egressAllows(policy, '10.0.0.5', 8443), 'Keycloak at https://sso.example.com is on 443');
    const onPort = one(render([], ['keycloak.url=https://kc.internal:8443']), 'NetworkPolicy');
    assert.ok(egressAllows(onPort, '10.0.0.5', 8443), 'Keycloak on the port of its URL');
    assert.deepEqual(
      policy.spec.ingress.map((r: { ports: unknown }) => r.ports),
      [[{ port: 'http', protocol: 'TCP' }]],
    );
  });

  it('AWS_EC2_METADATA_DISABLED=true in the pods; aws.instanceMetadata=true opts back, in the env and the policy', () => {
    assert.equal(one(render(), 'ConfigMap').data.AWS_EC2_METADATA_DISABLED, 'true');
    const optedIn = render([], ['aws.instanceMetadata=true']);
    assert.ok(!('AWS_EC2_METADATA_DISABLED' in one(optedIn, 'ConfigMap').data));
    assert.ok(egressAllows(one(optedIn, 'NetworkPolicy'), IMDS, 80));
  });

  it('keycloak.url must be https:// (schema), and is required', () => {
    const lint = helm(
      'lint',
      '--strict',
      CHART,
      '-f',
      join(VALUES, 'required.yaml'),
      '--set',
      'keycloak.url=http://keycloak.keycloak.svc:8080',
    );
    assert.notEqual(lint.code, 0);
    assert.match(
      lint.out,
      /at '\/keycloak\/url': 'http:\/\/keycloak.keycloak.svc:8080' does not match pattern '\^\$\|\^https:\/\/'/,
    );
    assert.match(renderFails(['keycloak.url=']), /keycloak.url is required: the https:\/\/ base URL of Keycloak/);
  });

  it('does not mount the Kubernetes API token (IRSA and Pod Identity project their own)', () => {
    const manifests = render();
    assert.equal(one(manifests, 'Deployment').spec.template.spec.automountServiceAccountToken, false);
    assert.equal(one(manifests, 'ServiceAccount').automountServiceAccountToken, false);
  });

  it('refuses to render without a queue URL or a client secret, instead of a crash loop', () => {
    const bare = helm('template', 'rel', CHART);
    assert.notEqual(bare.code, 0, 'the defaults alone render');
    assert.match(renderFails(['sqs.queueUrl=']), /sqs.queueUrl is required: the URL of the work queue/);
    assert.match(
      renderFails(['secrets.keycloakClientSecret=']),
      /secrets.keycloakClientSecret is required \(or secrets.existingSecret/,
    );
    assert.match(
      renderFails(['secrets.registrationStampSecret=']),
      /secrets.registrationStampSecret is required \(or secrets.existingSecret/,
    );
    render(
      [],
      ['secrets.keycloakClientSecret=', 'secrets.registrationStampSecret=', 'secrets.existingSecret=worker-keycloak'],
    );
  });

  it('lets unready pods be evicted, so an outage does not block node drains', () => {
    assert.equal(one(render(), 'PodDisruptionBudget').spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  });

  for (const name of ['APP_ENV', 'AWS_EC2_METADATA_DISABLED', 'KEYCLOAK_URL']) {
    it(`extraEnv cannot override ${name}`, () => {
      assert.match(
        renderFails([`extraEnv[0].name=${name}`, 'extraEnv[0].value=x']),
        new RegExp(`extraEnv must not set ${name}: use the chart value`),
      );
    });
  }

  it("KEDA with podIdentity needs a role of its own, never the worker's", () => {
    const keda = ['autoscaling.mode=keda', 'autoscaling.keda.auth=podIdentity'];
    assert.match(renderFails(keda), /autoscaling.keda.roleArn is required when autoscaling.keda.auth is podIdentity/);
    const auth = one(
      render([], [...keda, 'autoscaling.keda.roleArn=arn:aws:iam::123456789012:role/keda-reader']),
      'TriggerAuthentication',
    );
    assert.deepEqual(auth.spec.podIdentity, { provider: 'aws', roleArn: 'arn:aws:iam::123456789012:role/keda-reader' });
  });
});
