import { Catch, type ArgumentsHost, type HttpServer, type RpcExceptionFilter } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands every handler error to the SQS transport unchanged.
 *
 * Nest's default RPC filter turns any error that is not an `RpcException` into
 * `{ status: 'error', message: 'Internal server error' }`, and logs it raw. The transport
 * then cannot tell a `ValidationPipe` rejection or a `NonRetryableError` (dead-letter now)
 * from a transient failure (retry with backoff). Register it on the microservice:
 * `app.useGlobalFilters(new SqsExceptionFilter())`. Without it, every failure is retried and
 * the redrive policy decides.
 *
 * In a hybrid application (`connectMicroservice(..., { inheritAppConfig: true })`) global
 * filters also see HTTP errors: pass the HTTP adapter, `new SqsExceptionFilter(app.getHttpAdapter())`,
 * and those are answered by Nest's own HTTP handling as usual.
 */
@Catch()
export class SqsExceptionFilter extends BaseExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(httpAdapter?: HttpServer) {
    super(httpAdapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (host.getType() !== 'rpc') {
      super.catch(exception, host);
      return undefined as never;
    }
    return throwError(() => exception);
  }
}
