import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands every handler error to the SQS transport unchanged.
 *
 * Nest's default RPC filter turns any error that is not an `RpcException` into
 * `{ status: 'error', message: 'Internal server error' }`, and logs it raw. The transport
 * then cannot tell a `ValidationPipe` rejection or a `NonRetryableError` (dead-letter now)
 * from a transient failure (retry with backoff). Register it on the microservice:
 * `app.useGlobalFilters(new SqsExceptionFilter())`, or `@UseFilters` on a controller.
 * Without it, every failure is retried and the redrive policy decides.
 */
@Catch()
export class SqsExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
