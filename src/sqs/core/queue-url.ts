/**
 * What a queue URL must look like: `http(s)://host[:port]/<account>/<name>`. A pattern rather
 * than WHATWG URL parsing on purpose: local servers answer with hosts such as
 * `sqs.us-east-1.127.0.0.1`, which `new URL()` rejects although SQS clients use them fine.
 */
export const QUEUE_URL_PATTERN = /^https?:\/\/[^/\s]+\/\S+$/;

/** True for an http(s) URL with a path, the shape of every SQS queue URL (AWS or local). */
export function isQueueUrl(value: string): boolean {
  return QUEUE_URL_PATTERN.test(value);
}
