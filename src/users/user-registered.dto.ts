import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { REGISTRATION_STAMP_ATTRIBUTE } from './registration-stamp.js';

/** Initial password of the new user. Never logged; ignored when the user already exists. */
export class InitialCredentialsDto {
  @IsString()
  @Length(1, 255)
  password!: string;

  /** True: the user must change it at first login. Default false. */
  @IsOptional()
  @IsBoolean()
  temporary?: boolean;
}

/**
 * Payload of `user.registered`. Unknown properties are rejected (the ValidationPipe runs with
 * whitelist + forbidNonWhitelisted) and validation messages name properties, never values.
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

  /** Default true. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Default false. */
  @IsOptional()
  @IsBoolean()
  emailVerified?: boolean;

  /**
   * Custom attributes: a name to a string or a list of strings, as Keycloak stores them. The
   * handler's own stamp (`nsw-registration`) is refused: a message that could write it could
   * pass for an earlier registration.
   */
  @IsOptional()
  @IsAttributeMap()
  @HasNoStampAttribute()
  attributes?: Record<string, string | string[]>;

  /** Group paths (`/parent/child`) or top-level group names; they must exist in the realm. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 255, { each: true })
  groups?: string[];

  /** Realm role names; they must exist in the realm. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 255, { each: true })
  realmRoles?: string[];

  @IsOptional()
  @ValidateNested()
  @Type(() => InitialCredentialsDto)
  credentials?: InitialCredentialsDto;
}

const ATTRIBUTE_NAME = /^[\w.:-]{1,255}$/;

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
