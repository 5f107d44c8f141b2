import type { Observable } from 'rxjs';
import type { SqsEvents, SqsServerSnapshot, SqsStatus } from '../sqs/index.js';

/** What health and metrics read from the transport's `SqsServer`, and nothing more. */
export interface SqsServerLike {
  /** Every status change, as `ServerRedis` and friends expose it. */
  readonly status: Observable<SqsStatus>;
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]): unknown;
  getSnapshot(): SqsServerSnapshot;
  unwrap<T>(): T;
}

/**
 * Token under which health and metrics inject the server. Bind it to the transport's provider:
 * `{ provide: SQS_SERVER_TOKEN, useExisting: SqsServer }` (or `HealthModule.forRoot({ sqsServer: SqsServer })`).
 */
export const SQS_SERVER_TOKEN = Symbol('SQS_SERVER_TOKEN');
