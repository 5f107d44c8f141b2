// Publishes through AWS's SNS Extended Client for Python (test/support/sns-extended-publish.py),
// run by the Python that scripts/servers/moto.mjs provisions and names in SNS_EXTENDED_CLIENT_PYTHON.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface SnsExtendedPublish {
  endpoint: string;
  region: string;
  topicArn: string;
  bucket: string;
  message: string;
  attributes?: Record<string, { DataType: string; StringValue: string }>;
  /** SQSLargePayloadSize and the 1.x pointer class instead of ExtendedPayloadSize. */
  legacy?: boolean;
}

const SCRIPT = join(process.cwd(), 'test/support/sns-extended-publish.py');

/** Publishes one message; resolves with its SNS MessageId, rejects with the script's stderr. */
export function publishWithSnsExtendedClient(request: SnsExtendedPublish): Promise<string> {
  const python = process.env.SNS_EXTENDED_CLIENT_PYTHON;
  if (!python) {
    return Promise.reject(new Error('SNS_EXTENDED_CLIENT_PYTHON is not set: run the sqs-moto suite (npm test)'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim());
      else reject(new Error(`the SNS Extended Client exited ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
    });
    child.stdin.end(JSON.stringify(request));
  });
}
