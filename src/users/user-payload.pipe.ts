import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { redact } from './redact.js';

/**
 * The ValidationPipe of the user handlers. Strict (unknown properties are an error) and safe
 * to log: the messages name properties and rules, never values, and a property *name* shaped
 * like an email (`{"bob@example.com": 1}`) is masked too. The transport turns the resulting
 * BadRequestException into a dead-letter move with reason `validation-failed`.
 */
export function userPayloadValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new BadRequestException(
        flatten(errors)
          .map((m) => redact(m))
          .slice(0, 20),
      ),
  });
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (parent ? `${parent}.${message}` : message));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
