// Peer: @ssut/nestjs-sqs in a minimal NestJS application context.
//
// Plain JavaScript on purpose: the package lives in this folder's own node_modules (its peer
// range stops at NestJS 11, so it cannot be a dependency of the NestJS 12 root project), where
// the root's `tsc` cannot see its types. Decorators are applied by hand, exactly as TypeScript
// would. @nestjs/* resolve from the root node_modules (the same NestJS 12 as our transport).
//
// @ssut/nestjs-sqs runs one sqs-consumer (v11, its dependency) per registered consumer; like
// sqs-consumer, a consumer handles one batch at a time, so concurrency C is ceil(C / 10)
// consumers of batchSize 10 on the same queue, each with its own @SqsMessageHandler.
import 'reflect-metadata';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SqsMessageHandler, SqsModule } from '@ssut/nestjs-sqs';
import { config, CREDENTIALS, fail, handle, parseBody, ready } from '../../../.build/bench/lib/harness.js';

async function main() {
  const batchSize = Math.min(10, config.concurrency);
  const count = Math.ceil(config.concurrency / batchSize);
  const names = Array.from({ length: count }, (_, i) => `bench-${i}`);
  const sqs = new SQSClient({ endpoint: config.endpoint, region: config.region, credentials: CREDENTIALS });

  class BenchHandler {}
  for (const name of names) {
    const method = `handle_${name.replace(/-/g, '_')}`;
    BenchHandler.prototype[method] = async function (message) {
      await handle(parseBody(message.Body));
    };
    // @SqsMessageHandler(name, false)
    SqsMessageHandler(name, false)(BenchHandler.prototype, method, Object.getOwnPropertyDescriptor(BenchHandler.prototype, method));
  }
  Injectable()(BenchHandler);

  class BenchModule {}
  Module({
    imports: [
      SqsModule.register({
        consumers: names.map((name) => ({
          name,
          queueUrl: config.queueUrl,
          sqs,
          batchSize,
          waitTimeSeconds: config.waitTimeSeconds,
          visibilityTimeout: config.visibilityTimeout,
          messageAttributeNames: ['All'],
        })),
        producers: [],
      }),
    ],
    providers: [BenchHandler],
  })(BenchModule);

  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  app.enableShutdownHooks(['SIGTERM']);
  ready();
}

main().catch(fail);
