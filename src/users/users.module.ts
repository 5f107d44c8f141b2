import { Module } from '@nestjs/common';
import { UsersController } from './users.controller.js';
import { RealmCheck } from './realm-check.js';
import { RegistrationPolicyPipe } from './registration-policy.pipe.js';
import { UsersService } from './users.service.js';

/** The `user.registered` handler. Needs KeycloakModule.forRoot(...) imported by the app. */
@Module({
  controllers: [UsersController],
  providers: [UsersService, RealmCheck, RegistrationPolicyPipe],
  exports: [UsersService],
})
export class UsersModule {}
