/** The AWS services whose envelopes the transport unwraps. */
export type SqsEnvelopeSource = 'sns' | 'eventbridge' | 's3';

/**
 * The envelope another AWS service wrapped a message in, as `SqsContext.getEnvelope()` gives
 * it: the handler's data is what was inside, this is the whole thing (SNS topic and message
 * id, EventBridge id, time and resources, the S3 record's bucket and object).
 */
export interface SqsEnvelope {
  source: SqsEnvelopeSource;
  /** The envelope as parsed from JSON, payload included. */
  body: unknown;
  /** An envelope inside this one: an S3 notification or an EventBridge event sent through SNS. */
  inner?: SqsEnvelope;
}

/** A service envelope, unwrapped: the patterns it routes by, best first, and the handler's data. */
export interface Unwrapped {
  patterns: string[];
  data: unknown;
  envelope: SqsEnvelope;
}
