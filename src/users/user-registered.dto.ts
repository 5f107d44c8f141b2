import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsOptional,
  IsString,
  Length,
  Matches,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { ATTRIBUTE_NAME, isSafeName, normalizeGroupPath, parseClientRole } from './grant-names.js';
import { REGISTRATION_STAMP_ATTRIBUTE } from './registration-stamp.js';

/**
 * Payload of `user.registered`. Unknown properties are rejected (the ValidationPipe runs with
 * whitelist + forbidNonWhitelisted) and validation messages name properties, never values.
 * What a message may ask for is further narrowed by the operator's allowlists
 * (`RegistrationPolicyPipe`). There is no password, `enabled` or `emailVerified`: the user is
 * created enabled, unverified, with no credential and the required actions to verify the email
 * and set a password (see docs/user-registration.md).
 */
export class UserRegisteredDto {
  /** Keycloak's username rules, lower-cased by Keycloak. */
  @IsString()
  @Length(1, 255)
  @Matches(/^[\p{L}\p{N}._@+-]+$/u, { message: 'username may contain letters, digits and . _ @ + - only' })
  username!: string;

  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254)
  email!: string;

  @IsString()
  @Length(1, 255)
  firstName!: string;

  @IsString()
  @Length(1, 255)
  lastName!: string;

  /**
   * Custom attributes: a name to a string or a list of strings, as Keycloak stores them; only
   * names in `KEYCLOAK_ALLOWED_ATTRIBUTES`. The handler's own stamp (`nsw-registration`) is
   * refused: a message that could write it could pass for an earlier registration.
   */
  @IsOptional()
  @IsAttributeMap()
  @HasNoStampAttribute()
  attributes?: Record<string, string | string[]>;

  /** Group paths (`/parent/child`) or top-level group names, from `KEYCLOAK_GRANTABLE_GROUPS`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsSafe(
    normalizeGroupPath,
    'groups must be group paths without empty, . or .. segments, \\ % ? # or control characters',
  )
  groups?: string[];

  /** Realm role names, from `KEYCLOAK_GRANTABLE_REALM_ROLES`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsSafe(isSafeName, 'realmRoles must be role names without / \\ % ? #, control characters, . or ..')
  realmRoles?: string[];

  /** Client roles written `clientId:role`, from `KEYCLOAK_GRANTABLE_CLIENT_ROLES`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsSafe(parseClientRole, 'clientRoles must be written clientId:role, each part a safe name')
  clientRoles?: string[];
}

/** Every string of the array passes `check` (truthy), so it can only name itself in an Admin API path. */
function IsSafe(check: (value: string) => unknown, message: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSafeName',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message },
      validator: {
        validate(value: unknown) {
          return !Array.isArray(value) || value.every((v) => typeof v === 'string' && Boolean(check(v)));
        },
      },
    });
}

/** A plain object of at most 50 attributes whose values are strings or string arrays. */
function IsAttributeMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAttributeMap',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: 'attributes must map names (letters, digits, . _ : -) to strings or arrays of strings',
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= 50 &&
            entries.every(
              ([name, v]) =>
                ATTRIBUTE_NAME.test(name) &&
                (isShortString(v) || (Array.isArray(v) && v.length <= 50 && v.every(isShortString))),
            )
          );
        },
      },
    });
}

/** The map does not name the registration stamp (in any letter case). */
function HasNoStampAttribute(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasNoStampAttribute',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `attributes must not set ${REGISTRATION_STAMP_ATTRIBUTE}: the handler writes it` },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null) return true;
          return !Object.keys(value).some((name) => name.toLowerCase() === REGISTRATION_STAMP_ATTRIBUTE);
        },
      },
    });
}

function isShortString(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 2048;
}
