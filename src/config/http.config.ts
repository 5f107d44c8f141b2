import { registerAs } from '@nestjs/config';
import { type Env, parseEnv } from './env.schema.js';

/** The HTTP server beside the microservice: /health/live, /health/ready, /health, /metrics. */
export interface HttpConfig {
  port: number;
}

export function toHttpConfig(env: Env): HttpConfig {
  return { port: env.HTTP_PORT };
}

export const httpConfig = registerAs('http', (): HttpConfig => toHttpConfig(parseEnv(process.env)));
