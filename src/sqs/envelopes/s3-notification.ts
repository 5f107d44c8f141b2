import { DeadLetterReason } from '../core/sqs.errors.js';
import { UndecodableMessageError } from '../core/undecodable-message.error.js';
import type { Unwrapped } from './sqs-envelope.js';

interface S3EventRecord {
  eventSource: 'aws:s3';
  eventName: string;
}

/**
 * An S3 event notification: the handler gets its record (bucket, object key, size, ...); it is
 * routed by `eventName` (`ObjectCreated:Put`), then by its category (`ObjectCreated:*`). The
 * test event S3 sends when notifications are configured routes as `s3:TestEvent`.
 */
export function unwrapS3Notification(value: unknown): Unwrapped | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Records?: unknown; Service?: unknown; Event?: unknown };
  if (v.Service === 'Amazon S3' && v.Event === 's3:TestEvent') {
    return { patterns: ['s3:TestEvent'], data: value, envelope: { source: 's3', body: value } };
  }
  if (!Array.isArray(v.Records) || !v.Records.every(isS3Record)) return undefined;
  const records = v.Records as S3EventRecord[];
  if (records.length !== 1) {
    // S3 sends one record per notification; several would each need their own settlement.
    throw new UndecodableMessageError(
      DeadLetterReason.MalformedBody,
      `an S3 notification with ${records.length} records; one per message expected`,
    );
  }
  const { eventName } = records[0]!;
  const category = eventName.split(':')[0]!;
  const patterns = category === eventName ? [eventName] : [eventName, `${category}:*`];
  return { patterns, data: records[0], envelope: { source: 's3', body: value } };
}

function isS3Record(record: unknown): record is S3EventRecord {
  const r = record as Partial<S3EventRecord> | null;
  return r?.eventSource === 'aws:s3' && typeof r.eventName === 'string' && r.eventName.length > 0;
}
