import type { Observable } from 'rxjs';
import type { SqsEvents, SqsServerSnapshot, SqsStatus } from '../core/sqs.events.js';

/**
 * What health checks, metrics and logging read from an `SqsServer`, and nothing more: its
 * status stream, its events, its snapshot and its client. Part of the transport's public
 * surface, so observers depend on this contract rather than on the server class.
 */
export interface SqsServerLike {
  /** Every status change, as `ServerRedis` and friends expose it. */
  readonly status: Observable<SqsStatus>;
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]): unknown;
  getSnapshot(): SqsServerSnapshot;
  unwrap<T>(): T;
}

/**
 * Token under which observers inject the server. Bind it to the transport's provider:
 * `{ provide: SQS_SERVER_TOKEN, useExisting: SqsServer }`.
 */
export const SQS_SERVER_TOKEN = Symbol('SQS_SERVER_TOKEN');
