import type { Message } from '@aws-sdk/client-sqs';
import { asSnsNotification } from '../envelopes/sns-notification.js';
import { isOffloaded, readPointer, type PayloadPointer } from './payload-pointer.js';

/** An offloaded payload's pointer, and how to put the payload back where the pointer was. */
export interface ClaimCheck {
  pointer: PayloadPointer;
  /** The message body with `payload` in the pointer's place. */
  withPayload(payload: string): string;
}

// Both attribute names end so; a body without it names neither and is not parsed here.
const ATTRIBUTE_SUFFIX = 'PayloadSize"';

/**
 * Finds the claim check of an Extended Client message, in either place a producer leaves it:
 * - the SQS message's own attributes, the body being the pointer (the SQS Extended Client, or
 *   the SNS Extended Client with raw delivery on);
 * - an SNS notification's attributes, its `Message` being the pointer (the SNS Extended Client
 *   with raw delivery off, SNS's default). The payload then takes the pointer's place in the
 *   envelope, so the handler gets it exactly as it would a small message through SNS.
 * Both clients write the same pointer (`[class, { s3BucketName, s3Key }]`) and attribute names.
 */
export function findClaimCheck(message: Message): ClaimCheck | undefined {
  const body = message.Body ?? '';
  if (isOffloaded(message.MessageAttributes)) return { pointer: readPointer(body), withPayload: (p) => p };
  // Every body goes through here: a substring test spares parsing those that cannot qualify
  // (the decoder parses the body anyway, and reports one that is not JSON).
  if (!body.includes(ATTRIBUTE_SUFFIX)) return undefined;
  const sns = asSnsNotification(parseOrUndefined(body));
  if (!sns || !isOffloaded(sns.MessageAttributes)) return undefined;
  return {
    pointer: readPointer(sns.Message, 'its SNS Message'),
    withPayload: (payload) => JSON.stringify({ ...sns, Message: payload }),
  };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
