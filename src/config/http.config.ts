import { registerAs } from '@nestjs/config';
import { type Env, isPodEnvironment, parseEnv } from './env.schema.js';

/** The HTTP server beside the microservice: /health/live, /health/ready, /health, /metrics. */
export interface HttpConfig {
  port: number;
  /** Address to bind: loopback for local runs (nothing else on the network can reach them), all interfaces in pods. */
  host: string;
}

export function toHttpConfig(env: Env): HttpConfig {
  return { port: env.HTTP_PORT, host: env.HTTP_HOST ?? (isPodEnvironment(env.APP_ENV) ? '0.0.0.0' : '127.0.0.1') };
}

export const httpConfig = registerAs('http', (): HttpConfig => toHttpConfig(parseEnv(process.env)));
