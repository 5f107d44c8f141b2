// The files `npm run new:handler` writes, as text. They must pass lint (Prettier included) and
// their spec as generated: test/docs/new-handler.spec.ts generates one into a scratch copy and
// runs tsc, ESLint and the spec.

const words = (name) => name.split(/[^a-z0-9]+/).filter(Boolean);
const pascal = (name) =>
  words(name)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const camel = (name) => pascal(name)[0].toLowerCase() + pascal(name).slice(1);
const kebab = (name) => words(name).join('-');
const constant = (name) => words(name).join('_').toUpperCase();

/** Names derived from the folder and the pattern. */
export function handlerNames(folder, pattern) {
  const base = pascal(folder);
  return {
    folder,
    pattern,
    moduleClass: `${base}Module`,
    controllerClass: `${base}Controller`,
    serviceClass: `${base}Service`,
    dtoClass: `${pascal(pattern)}Dto`,
    dtoFile: `${kebab(pattern)}.dto`,
    patternConstant: `${constant(pattern)}_PATTERN`,
    method: camel(pattern),
  };
}

const constants = (
  n,
) => `/** Pattern of the message this module handles (the \`pattern\` message attribute or body field). */
export const ${n.patternConstant} = '${n.pattern}';
`;

const dto = (n) => `import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';

/**
 * Payload of \`${n.pattern}\`. Unknown properties are rejected (the controller's ValidationPipe runs
 * with whitelist + forbidNonWhitelisted), and class-validator's messages name properties, never
 * values: keep custom messages that way, since they are logged and stored with dead letters.
 */
export class ${n.dtoClass} {
  /** The id of what the message is about: a redelivery carries the same one. */
  @IsString()
  @Length(1, 255)
  id!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  quantity?: number;
}
`;

const service = (n) => `import { Injectable, Logger } from '@nestjs/common';
import type { ${n.dtoClass} } from './${n.dtoFile}.js';

/**
 * The logic of \`${n.pattern}\`. Delivery is at least once, so handling the same message twice must
 * do no harm (check before you create, treat "already exists" as success). Throw
 * \`NonRetryableError\` for a message that can never succeed and \`RetryableError\` (or any other
 * error) for a transient failure; log ids, never personal data.
 */
@Injectable()
export class ${n.serviceClass} {
  private readonly logger = new Logger(${n.serviceClass}.name);

  async ${n.method}(dto: ${n.dtoClass}, messageId: string): Promise<void> {
    this.logger.debug(\`${n.pattern} \${dto.id} handled (message \${messageId})\`);
  }
}
`;

const controller = (n) => `import { Controller, UsePipes, ValidationPipe } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { SqsEventPattern, type SqsContext } from '../sqs/index.js';
import { ${n.patternConstant} } from './${n.folder}.constants.js';
import { ${n.dtoClass} } from './${n.dtoFile}.js';
import { ${n.serviceClass} } from './${n.folder}.service.js';

/** Message patterns of ${n.folder}; the logic lives in ${n.serviceClass}. */
@Controller()
@UsePipes(
  new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  }),
)
export class ${n.controllerClass} {
  constructor(private readonly service: ${n.serviceClass}) {}

  @SqsEventPattern(${n.patternConstant})
  ${n.method}(@Payload() dto: ${n.dtoClass}, @Ctx() ctx: SqsContext): Promise<void> {
    return this.service.${n.method}(dto, ctx.getMessageId());
  }
}
`;

const moduleFile = (n) => `import { Module } from '@nestjs/common';
import { ${n.controllerClass} } from './${n.folder}.controller.js';
import { ${n.serviceClass} } from './${n.folder}.service.js';

/** The \`${n.pattern}\` handler. */
@Module({
  controllers: [${n.controllerClass}],
  providers: [${n.serviceClass}],
})
export class ${n.moduleClass} {}
`;

const spec = (n) => `import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeadLetterReason } from '../sqs/index.js';
import { SqsTestKit } from '../sqs/testing/index.js';
import { ${n.patternConstant} } from './${n.folder}.constants.js';
import { ${n.controllerClass} } from './${n.folder}.controller.js';
import { ${n.serviceClass} } from './${n.folder}.service.js';

describe('${n.pattern}, through the SQS test kit (no SQS)', () => {
  let kit: SqsTestKit;

  before(async () => {
    kit = await SqsTestKit.create({ controllers: [${n.controllerClass}], providers: [${n.serviceClass}] });
  });
  after(() => kit.close());

  it('handles a valid message, and the message is deleted', async () => {
    const result = await kit.send(${n.patternConstant}, { id: 'a-1', quantity: 2 });
    assert.equal(result.outcome, 'succeeded');
  });

  it('dead-letters an invalid payload as validation-failed, echoing no values', async () => {
    const result = await kit.send(${n.patternConstant}, { id: '', quantity: -1, secret: 'hunter2' });
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, DeadLetterReason.ValidationFailed);
    assert.doesNotMatch(result.detail!, /hunter2/);
  });
});
`;

/** The files of src/<folder>/, by name, and the module class to register. */
export function handlerFiles(folder, pattern) {
  const n = handlerNames(folder, pattern);
  return {
    moduleClass: n.moduleClass,
    sources: {
      [`${folder}.constants.ts`]: constants(n),
      [`${n.dtoFile}.ts`]: dto(n),
      [`${folder}.service.ts`]: service(n),
      [`${folder}.controller.ts`]: controller(n),
      [`${folder}.module.ts`]: moduleFile(n),
      [`${folder}.controller.spec.ts`]: spec(n),
    },
  };
}
