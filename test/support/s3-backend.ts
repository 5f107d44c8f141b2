// An S3 for the claim-check specs: the SQS test server's own when it serves S3 (fauxqs and moto
// serve SQS, SNS and S3 on one port), else an in-process fauxqs used for its S3 only.
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { TEST_CREDENTIALS, TEST_REGION, type SqsTestBackend } from './sqs-backend.js';

const SERVES_S3 = ['fauxqs', 'moto'];

export class S3TestBackend {
  readonly client: S3Client;

  private constructor(
    readonly endpoint: string,
    private readonly own?: FauxqsServer,
  ) {
    this.client = new S3Client(this.clientConfig());
  }

  static async start(sqs: SqsTestBackend): Promise<S3TestBackend> {
    if (SERVES_S3.includes(sqs.name)) return new S3TestBackend(sqs.endpoint);
    const own = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    return new S3TestBackend(own.address, own);
  }

  clientConfig(): S3ClientConfig {
    return { endpoint: this.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true };
  }

  async createBucket(prefix: string): Promise<string> {
    const bucket = `${prefix}-${randomUUID().slice(0, 8)}`;
    await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  }

  async put(bucket: string, key: string, body: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await this.own?.stop();
  }
}
