import { registerAs } from '@nestjs/config';
import { type Env, isPodEnvironment, parseEnv } from './env.schema.js';

/** Where the service runs, and what that implies. */
export interface AppConfig {
  /** `APP_ENV` as given. */
  appEnv: string;
  /** False for production, staging and integration (pods); true for anything else. */
  isLocal: boolean;
}

export function toAppConfig(env: Env): AppConfig {
  return { appEnv: env.APP_ENV, isLocal: !isPodEnvironment(env.APP_ENV) };
}

/** `ConfigService.get<AppConfig>('app')`, or inject `appConfig.KEY`. */
export const appConfig = registerAs('app', (): AppConfig => toAppConfig(parseEnv(process.env)));
