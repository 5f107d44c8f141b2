// The shapes a message arrives in: a plain body, an SNS notification (raw delivery off, SNS's
// default), an SQS Extended Client pointer to S3, and an SNS Extended Client pointer inside an
// SNS notification (the pointer's size attribute is then in the envelope, not on the SQS
// message). The handler must get the same payload whatever the shape (`payload-intact`).
import { S3Client } from '@aws-sdk/client-s3';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { formatPointer, PAYLOAD_SIZE_ATTRIBUTE } from '../../src/sqs/large-payload/payload-pointer.js';
import { SIM_PATTERN } from './sim-process.js';

export type Shape = 'plain' | 'sns' | 'pointer' | 'sns-pointer';

export const SIM_BUCKET = 'sim-payloads';

/** An S3 client whose `send` is a map of objects (GetObject, PutObject, DeleteObject). */
export function modelS3(): { client: S3Client; objects: Map<string, string> } {
  const objects = new Map<string, string>();
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'sim', secretAccessKey: 'sim' } });
  const send = async (command: { constructor: { name: string }; input: Record<string, any> }) => {
    const key = `${command.input.Bucket}/${command.input.Key}`;
    switch (command.constructor.name) {
      case 'PutObjectCommand':
        objects.set(key, String(command.input.Body));
        return {};
      case 'GetObjectCommand': {
        const body = objects.get(key);
        if (body === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
        return { Body: { transformToString: async () => body } };
      }
      case 'DeleteObjectCommand':
        objects.delete(key);
        return {};
      default:
        throw new Error(`the S3 model does not implement ${command.constructor.name}`);
    }
  };
  Object.assign(client, { send });
  return { client, objects };
}

/** The SQS body and attributes that carry `payload` in `shape` (storing it in S3 if need be). */
export function encode(
  payload: string,
  shape: Shape,
  s3: Map<string, string>,
  unique: string,
): { body: string; attributes?: Record<string, MessageAttributeValue> } {
  const pattern = { DataType: 'String', StringValue: SIM_PATTERN };
  const size = { DataType: 'Number', StringValue: String(Buffer.byteLength(payload)) };
  let message = payload;
  if (shape === 'pointer' || shape === 'sns-pointer') {
    const key = `obj-${unique}`;
    s3.set(`${SIM_BUCKET}/${key}`, payload);
    message = formatPointer({ bucket: SIM_BUCKET, key });
  }
  if (shape === 'plain') return { body: message, attributes: { pattern } };
  if (shape === 'pointer') return { body: message, attributes: { pattern, [PAYLOAD_SIZE_ATTRIBUTE]: size } };
  const envelopeAttributes: Record<string, { Type: string; Value: string }> = {
    pattern: { Type: 'String', Value: SIM_PATTERN },
  };
  if (shape === 'sns-pointer') envelopeAttributes[PAYLOAD_SIZE_ATTRIBUTE] = { Type: 'Number', Value: size.StringValue };
  const envelope = {
    Type: 'Notification',
    MessageId: `sns-${unique}`,
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:sim-topic',
    Message: message,
    Timestamp: new Date().toISOString(),
    MessageAttributes: envelopeAttributes,
  };
  return { body: JSON.stringify(envelope) };
}
