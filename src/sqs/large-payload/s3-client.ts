import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** An S3 client from the options: the caller's (left open) or one built from a config (ours to destroy). */
export function toS3Client(given: S3Client | S3ClientConfig): { client: S3Client; owned: boolean } {
  return given instanceof S3Client ? { client: given, owned: false } : { client: new S3Client(given), owned: true };
}
