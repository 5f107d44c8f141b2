export * from './credentials.health.js';
export * from './health.controller.js';
export * from './health.module.js';
export * from './health.options.js';
export * from './health.service.js';
export * from './readiness-registry.js';
export * from './sqs-server-like.js';
export * from './sqs.health.js';
