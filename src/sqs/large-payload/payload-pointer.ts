import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';

/**
 * The attribute AWS's SQS Extended Client libraries (Java 2.x, Python, .NET, JS) set on a
 * message whose payload is in S3: the payload's size in bytes. Its value is informative only.
 */
export const PAYLOAD_SIZE_ATTRIBUTE = 'ExtendedPayloadSize';
/** The same attribute under its former name, still written by older producers and read by all. */
export const LEGACY_PAYLOAD_SIZE_ATTRIBUTE = 'SQSLargePayloadSize';
/** The pointer's class name, first element of the JSON body: `[class, { s3BucketName, s3Key }]`. */
export const POINTER_CLASS = 'software.amazon.payloadoffloading.PayloadS3Pointer';
/** The class name of the 1.x Java library's pointers (same fields). */
const LEGACY_POINTER_CLASS = 'com.amazon.sqs.javamessaging.MessageS3Pointer';

/** Where an offloaded payload is. */
export interface PayloadPointer {
  bucket: string;
  key: string;
}

/**
 * True when the attributes say the payload is in S3 (either attribute name): an SQS message's
 * `MessageAttributes`, or those of the SNS notification it carries (the SNS Extended Client with
 * raw delivery off, SNS's default, leaves them there).
 */
export function isOffloaded(attributes: Record<string, MessageAttributeValue | object> | undefined): boolean {
  return Boolean(attributes?.[PAYLOAD_SIZE_ATTRIBUTE] ?? attributes?.[LEGACY_PAYLOAD_SIZE_ATTRIBUTE]);
}

/**
 * Reads the pointer in an offloaded message's body (or SNS `Message`, named by `where`);
 * `malformed-body` when it is none.
 */
export function readPointer(body: string, where = 'its body'): PayloadPointer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const fields = Array.isArray(parsed) && isPointerClass(parsed[0]) ? parsed[1] : parsed;
  const { s3BucketName, s3Key } = (fields ?? {}) as { s3BucketName?: unknown; s3Key?: unknown };
  if (typeof s3BucketName !== 'string' || !s3BucketName || typeof s3Key !== 'string' || !s3Key) {
    throw new UndecodableMessageError(
      DeadLetterReason.MalformedBody,
      `the message carries ${PAYLOAD_SIZE_ATTRIBUTE} but ${where} is not an S3 pointer ([class, { s3BucketName, s3Key }])`,
    );
  }
  return { bucket: s3BucketName, key: s3Key };
}

/** The body of an offloaded message, exactly as the Extended Client libraries write it. */
export function formatPointer(pointer: PayloadPointer): string {
  return JSON.stringify([POINTER_CLASS, { s3BucketName: pointer.bucket, s3Key: pointer.key }]);
}

function isPointerClass(value: unknown): boolean {
  return value === POINTER_CLASS || value === LEGACY_POINTER_CLASS;
}
