// The IAM policies of the chart README against the code: the SQS commands the service and the
// dlq command send, read from the source, must be exactly the actions their policy allows, so
// neither a missing permission nor a stale extra one survives a change of the code. Around
// them: the KMS permissions an SSE-KMS queue needs for what each identity sends and receives,
// sts:AssumeRole for AWS_ASSUME_ROLE_ARN, and a deny of every request without TLS.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = process.cwd();
const README = readFileSync(join(ROOT, 'charts/nest-sqs-worker/README.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/**
 * IAM actions of the commands a file sends: `new DeleteMessageBatchCommand(` is sqs:DeleteMessage,
 * `new GetObjectCommand(` in a file that imports the S3 client is s3:GetObject.
 */
function actions(files: string[]): string[] {
  const found = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const service = text.includes('@aws-sdk/client-s3') ? 's3' : 'sqs';
    for (const m of text.matchAll(/new (\w+)Command\(/g)) found.add(`${service}:${m[1]!.replace(/Batch$/, '')}`);
  }
  return [...found].sort();
}

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Condition?: Record<string, Record<string, string>>;
}

/** The statements of the JSON policy under `<!-- iam:name -->` in the chart README. */
function statements(name: string): Statement[] {
  const block = new RegExp(`<!-- iam:${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(README)?.[1];
  assert.ok(block, `no iam:${name} policy in the chart README`);
  return (JSON.parse(block) as { Statement: Statement[] }).Statement;
}

/** The actions a policy allows, of the services named (sqs and s3 by default). */
function policy(name: string, services = ['sqs', 's3']): string[] {
  const allowed = statements(name).filter((s) => s.Effect === 'Allow');
  const actions = allowed.flatMap((s) => s.Action).filter((a) => services.includes(a.split(':')[0]!));
  return [...new Set(actions)].sort();
}

/** The KMS actions allowed only through `service` (kms:ViaService), as SSE-KMS uses them. */
function kmsVia(name: string, service: 'sqs' | 's3'): string[] {
  const via = statements(name).filter(
    (s) => s.Effect === 'Allow' && s.Condition?.StringEquals?.['kms:ViaService']?.startsWith(`${service}.`),
  );
  return [...new Set(via.flatMap((s) => s.Action))].sort();
}

// The producer (SqsClient, and its S3 offloading) is for other services and `npm run send`; the
// service itself sends to its work queue only to requeue a message whose last receive failed
// during a dependency's outage. src/dev talks to the local emulator only.
const PRODUCER_ONLY = new Set(['src/sqs/adapter/sqs.client.ts', 'src/sqs/large-payload/payload-offloader.ts']);
const SERVICE = sources('src').filter(
  (f) => !f.startsWith('src/cli/') && !f.startsWith('src/dev/') && !PRODUCER_ONLY.has(f),
);
// The dlq command, plus the dead-letter queue discovery it shares with the transport.
const DLQ_COMMAND = [...sources('src/cli'), 'src/sqs/core/queue-registry.ts'];

describe('IAM policies in the chart README', () => {
  it("the service's policy allows exactly the SQS actions the service sends", () => {
    assert.deepEqual(policy('service'), actions(SERVICE));
  });

  it("the dlq command's policy allows exactly the SQS actions the command sends", () => {
    assert.deepEqual(policy('dlq'), actions(DLQ_COMMAND));
  });

  it('SSE-KMS: kms:Decrypt to receive and kms:GenerateDataKey to send, only through SQS (and S3 for the payloads)', () => {
    for (const [name, files] of [
      ['service', SERVICE],
      ['dlq', DLQ_COMMAND],
    ] as const) {
      const sent = actions(files);
      const needed = [
        ...(sent.includes('sqs:ReceiveMessage') ? ['kms:Decrypt'] : []),
        ...(sent.includes('sqs:SendMessage') ? ['kms:GenerateDataKey'] : []),
      ].sort();
      assert.deepEqual(kmsVia(name, 'sqs'), needed, name);
      assert.deepEqual(kmsVia(name, 's3'), sent.includes('s3:GetObject') ? ['kms:Decrypt'] : [], name);
    }
    assert.deepEqual(policy('keda', ['kms']), [], 'GetQueueAttributes needs no key');
  });

  it('the service may assume the AWS_ASSUME_ROLE_ARN role, because the credential chain does', () => {
    const assumes = /fromTemporaryCredentials\(/.test(
      readFileSync(join(ROOT, 'src/config/aws-credentials.ts'), 'utf8'),
    );
    assert.deepEqual(policy('service', ['sts']), assumes ? ['sts:AssumeRole'] : []);
    assert.deepEqual(policy('dlq', ['sts']), []);
  });

  it('every policy denies each service it allows when the request does not use TLS', () => {
    for (const name of ['service', 'dlq', 'keda']) {
      const deny = statements(name).find(
        (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      assert.ok(deny, `${name}: no aws:SecureTransport deny`);
      const services = new Set(statements(name).flatMap((s) => s.Action.map((a) => a.split(':')[0]!)));
      for (const service of services)
        assert.ok(deny.Action.includes(`${service}:*`), `${name}: ${service}:* not denied`);
    }
  });

  it("KEDA's policy is GetQueueAttributes, what its aws-sqs-queue scaler reads", () => {
    assert.deepEqual(policy('keda'), ['sqs:GetQueueAttributes']);
    assert.match(
      readFileSync(join(ROOT, 'charts/nest-sqs-worker/templates/scaledobject.yaml'), 'utf8'),
      /type: aws-sqs-queue/,
    );
  });
});
