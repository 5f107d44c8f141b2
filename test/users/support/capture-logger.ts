// A Nest LoggerService that keeps every line, so specs can assert what never reaches the logs.
import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';

export class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];

  private add(level: string, message: unknown, params: unknown[]): void {
    const text = [message, ...params].map((p) => (typeof p === 'string' ? p : inspect(p, { depth: 5 }))).join(' ');
    this.lines.push(`${level} ${text}`);
    if (process.env.TEST_LOGS) console.log(`${level} ${text}`);
  }

  log(message: unknown, ...params: unknown[]) {
    this.add('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.add('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.add('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.add('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.add('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.add('fatal', message, params);
  }

  /** Lines containing any of `secrets` (case-insensitive). */
  leaking(secrets: Array<string | undefined>): string[] {
    const needles = secrets.filter((s): s is string => !!s && s.length >= 4).map((s) => s.toLowerCase());
    return this.lines.filter((line) => needles.some((n) => line.toLowerCase().includes(n)));
  }
}
