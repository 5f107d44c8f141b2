export * from './logging.module.js';
export * from './message-fields.js';
export * from './pino-options.js';
export * from './redaction.js';
export * from './sqs-outcome-log.binder.js';
