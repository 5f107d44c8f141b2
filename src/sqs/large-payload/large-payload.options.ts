import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

/** `SqsServer`: how S3 pointers (claim checks) of the SQS Extended Client format are resolved. */
export interface SqsLargePayloadOptions {
  /** An `S3Client` (kept open on close) or the config to build one (destroyed on close). */
  s3: S3Client | S3ClientConfig;
  /**
   * The only bucket pointers may name; a pointer to another bucket is dead-lettered
   * (`payload-missing`) unread, so a message cannot make the service read any bucket its role can.
   * @defaultValue undefined (any bucket)
   */
  bucket?: string;
  /**
   * Delete the S3 object once the handler succeeded. Leave it off when the object has other
   * readers (an SNS topic fanning out to several queues) or a bucket lifecycle rule expires it.
   * @defaultValue false
   */
  deleteAfterSuccess?: boolean;
}

/** `SqsClient`: payloads above a threshold are stored in S3 and sent as a pointer. */
export interface SqsClientLargePayloadOptions {
  /** An `S3Client` (kept open on close) or the config to build one (destroyed on close). */
  s3: S3Client | S3ClientConfig;
  /** The bucket payloads are stored in. */
  bucket: string;
  /**
   * A message (body and attributes, as SQS counts them) larger than this is offloaded.
   * @defaultValue 1048576 (SQS's limit, 1 MiB)
   */
  thresholdBytes?: number;
  /**
   * Prefix of the object keys (the rest is a random UUID), e.g. `orders/`.
   * @defaultValue '' (none)
   */
  keyPrefix?: string;
}
