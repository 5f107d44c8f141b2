import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import { assertWithinPolicy } from './registration-policy.js';
import type { UserRegisteredDto } from './user-registered.dto.js';

/**
 * Runs after the ValidationPipe: a registration asking for a role, group or attribute outside
 * the operator's allowlists is dead-lettered (`non-retryable`, the reason names fields, never
 * values) before anything reaches Keycloak.
 */
@Injectable()
export class RegistrationPolicyPipe implements PipeTransform<UserRegisteredDto, UserRegisteredDto> {
  constructor(@Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions) {}

  transform(dto: UserRegisteredDto): UserRegisteredDto {
    assertWithinPolicy(dto, this.options.registration);
    return dto;
  }
}
