/**
 * The logging the consumer engine needs; Nest's `Logger` is one. Messages are strings or
 * objects with `msg` and structured fields (pino keeps the fields).
 */
export interface TransportLogger {
  log(message: unknown): void;
  warn(message: unknown): void;
  error(message: unknown): void;
}
