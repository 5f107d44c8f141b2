export * from './breaker-metrics.js';
export * from './build-info.js';
export * from './metric-labels.js';
export * from './metrics.controller.js';
export * from './metrics.module.js';
export * from './metrics.service.js';
export * from './sqs-metrics.binder.js';
export * from './sqs-metrics.js';
