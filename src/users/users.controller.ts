import { Controller, UsePipes } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { SqsEventPattern } from '../sqs/index.js';
import { USER_REGISTERED_PATTERN } from './users.constants.js';
import { UserRegisteredDto } from './user-registered.dto.js';
import { userPayloadValidationPipe } from './user-payload.pipe.js';
import { RegistrationPolicyPipe } from './registration-policy.pipe.js';
import { UsersService, type RegistrationResult } from './users.service.js';

/** Message patterns of the user registration handler; the logic lives in UsersService. */
@Controller()
@UsePipes(userPayloadValidationPipe(), RegistrationPolicyPipe)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @SqsEventPattern(USER_REGISTERED_PATTERN)
  registered(@Payload() dto: UserRegisteredDto): Promise<RegistrationResult> {
    return this.users.register(dto);
  }
}
