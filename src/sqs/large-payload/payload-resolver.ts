import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import { DeadLetterReason, RetryableError } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';
import type { SqsLargePayloadOptions } from './large-payload.options.js';
import { findClaimCheck } from './claim-check.js';
import type { PayloadPointer } from './payload-pointer.js';
import { toS3Client } from './s3-client.js';

/** A message ready to decode: the payload in place of the pointer, and the pointer if there was one. */
export interface ResolvedPayload {
  message: Message;
  pointer?: PayloadPointer;
}

/**
 * Resolves claim checks before a message is decoded: a message whose attributes say its payload
 * is in S3 (the SQS Extended Client format), or whose SNS notification's attributes say so (the
 * SNS Extended Client, raw delivery off), gets the S3 object in the pointer's place. A missing object (or
 * bucket, or a bucket other than the configured one) can never be resolved: `payload-missing`.
 * Any other S3 failure (an outage, throttling, denied access) is retried like a handler error.
 */
export class PayloadResolver {
  private readonly s3?: { client: S3Client; owned: boolean };

  constructor(private readonly options?: SqsLargePayloadOptions) {
    if (options) this.s3 = toS3Client(options.s3);
  }

  async resolve(message: Message): Promise<ResolvedPayload> {
    const claim = findClaimCheck(message);
    if (!claim) return { message };
    const { pointer } = claim;
    const s3 = this.s3?.client;
    if (!s3) throw missing('the payload is in S3 (an Extended Client pointer) but largePayloads is not configured');
    const allowed = this.options?.bucket;
    if (allowed && pointer.bucket !== allowed) {
      throw missing(`the pointer names bucket "${pointer.bucket}", not the configured "${allowed}"`);
    }
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
      const body = (await object.Body?.transformToString('utf-8')) ?? '';
      return { message: { ...message, Body: claim.withPayload(body) }, pointer };
    } catch (err) {
      if (isNotFound(err)) throw missing(`no S3 object s3://${pointer.bucket}/${pointer.key} (${errorName(err)})`);
      throw new RetryableError(`reading the payload from S3 failed: ${errorName(err)}`, { cause: err });
    }
  }

  /** Deletes an offloaded payload after success, when configured to. Never throws. */
  async discard(pointer: PayloadPointer | undefined): Promise<Error | undefined> {
    if (!pointer || !this.s3 || !this.options?.deleteAfterSuccess) return undefined;
    try {
      await this.s3.client.send(new DeleteObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
      return undefined;
    } catch (err) {
      return new Error(`deleting s3://${pointer.bucket}/${pointer.key} failed: ${errorName(err)}`, { cause: err });
    }
  }

  close(): void {
    if (this.s3?.owned) this.s3.client.destroy();
  }
}

function missing(detail: string): UndecodableMessageError {
  return new UndecodableMessageError(DeadLetterReason.PayloadMissing, detail);
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return ['NoSuchKey', 'NoSuchBucket', 'NotFound'].includes(e.name ?? '') || e.$metadata?.httpStatusCode === 404;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}
