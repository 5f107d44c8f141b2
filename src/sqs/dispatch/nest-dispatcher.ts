import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import type { HeldMessage } from '../core/held-message.js';
import type { MessageDispatcher, MessageRun } from './message-dispatcher.js';
import type { DecodedMessage } from './message-decoder.js';
import { SqsContext } from './sqs.context.js';

/** The parts of Nest's `Server` a dispatch needs, handed over by the adapter. */
export interface NestDispatchPorts {
  /** `Server.getHandlerByPattern` (JSON-parses the pattern; may throw on plain strings). */
  lookup(pattern: string): MessageHandler | null;
  /** `Server.onProcessingStartHook`: runs `run` inside the processing hooks of the transport. */
  startProcessing(context: SqsContext, run: () => Promise<void>): void;
  /** `Server.createProcessingEndHookRunner`. */
  endHook(context: SqsContext): () => void;
  /** `Server.transformToObservable`. */
  toObservable(result: unknown): Observable<unknown>;
}

/**
 * Runs messages through Nest: the handler registered for the pattern, with Nest's full
 * dispatch (pipes, guards, interceptors, exception filters), the processing hooks, and the
 * whole stream the handler returns. A failure rejects the run; the engine settles it.
 */
export class NestDispatcher implements MessageDispatcher {
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(private readonly ports: NestDispatchPorts) {}

  route(pattern: string): MessageRun | undefined {
    const handler = this.find(pattern);
    return handler ? (decoded, held) => this.run(handler, decoded, held) : undefined;
  }

  /**
   * Nest's lookup JSON-parses the pattern every time: cache the hits. Misses are not cached:
   * patterns come from the messages and are unbounded.
   */
  private find(pattern: string): MessageHandler | undefined {
    const cached = this.handlers.get(pattern);
    if (cached) return cached;
    let handler: MessageHandler | null;
    try {
      handler = this.ports.lookup(pattern);
    } catch {
      return undefined;
    }
    if (handler) this.handlers.set(pattern, handler);
    return handler ?? undefined;
  }

  private run(handler: MessageHandler, decoded: DecodedMessage, held: HeldMessage): Promise<void> {
    const context = new SqsContext([held.message, held.queue.url, decoded.pattern, decoded.envelope]);
    return new Promise<void>((resolve, reject) => {
      const run = async (): Promise<void> => {
        const endHook = this.ports.endHook(context);
        try {
          const result = await handler(decoded.data, context);
          // Awaited, the result is a value or a stream: only a stream needs rxjs to run to its end.
          if (isObservable(result)) await lastValueFrom(this.ports.toObservable(result), { defaultValue: undefined });
          resolve();
        } catch (err) {
          reject(err);
        } finally {
          endHook();
        }
      };
      try {
        this.ports.startProcessing(context, run);
      } catch (err) {
        reject(err);
      }
    });
  }
}
