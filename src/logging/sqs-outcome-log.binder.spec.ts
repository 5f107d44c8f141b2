import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { DeadLetterReason, runWithSqsMessage, type SqsEvents, type SqsMessageInfo, SqsStatus } from '../sqs/index.js';
import { createPinoOptions } from './pino-options.js';
import { bindSqsOutcomeLog, type OutcomeLogger } from './sqs-outcome-log.binder.js';

class FakeServer {
  readonly events = new EventEmitter();
  on<E extends keyof SqsEvents>(event: E, callback: SqsEvents[E]) {
    this.events.on(event, callback as (...args: unknown[]) => void);
    return this;
  }
  emit<E extends keyof SqsEvents>(event: E, ...args: Parameters<SqsEvents[E]>) {
    this.events.emit(event, ...args);
  }
  getHandlers() {
    return new Map([
      ['user.registered', () => undefined],
      ['order.placed', () => undefined],
    ]);
  }
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino(createPinoOptions({ logLevel: 'info' }), stream);
  // What Nest's Logger does with an object: hands it to pino as the merging object.
  const outcome: OutcomeLogger = {
    log: (o: object) => logger.info(o),
    warn: (o: object) => logger.warn(o),
  } as OutcomeLogger;
  return { lines, logger, outcome };
}

const info: SqsMessageInfo = {
  messageId: 'm-1',
  queueUrl: 'http://h/000000000000/work',
  pattern: 'user.registered',
  receiveCount: 2,
};
const fields = {
  messageId: 'm-1',
  queueUrl: 'http://h/000000000000/work',
  pattern: 'user.registered',
  receiveCount: 2,
};

describe('message logging', () => {
  it('writes no line for a handled message by default: traces and metrics carry successes', () => {
    const { lines, outcome } = capture();
    const server = new FakeServer();
    bindSqsOutcomeLog(server, outcome);
    server.emit('processed', info, 12.4);
    server.emit('released', info);
    assert.deepEqual(
      lines.map((l) => l.outcome),
      ['released'],
    );
  });

  it('writes one line per outcome with the message fields, dead letters at warn, nothing at error', () => {
    const { lines, outcome } = capture();
    const server = new FakeServer();
    bindSqsOutcomeLog(server, outcome, { handled: true });
    server.emit('processed', info, 12.4);
    server.emit(
      'processing_failed',
      info,
      Object.assign(new Error('Keycloak 503 for jane@example.com'), { name: 'RetryableError' }),
      8,
      30,
    );
    server.emit('dead_lettered', info, DeadLetterReason.ValidationFailed, 'email must be an email');
    server.emit('released', info);
    server.emit('requeued', info, 'copy-1', 'shutdown');
    assert.deepEqual(
      lines.map((l) => [l.outcome, l.level]),
      [
        ['handled', 'info'],
        ['retried', 'info'],
        ['dead-lettered', 'warn'],
        ['released', 'info'],
        ['requeued', 'info'],
      ],
    );
    assert.equal(lines[4]!.copyId, 'copy-1');
    for (const line of lines)
      assert.deepEqual(
        { messageId: line.messageId, queueUrl: line.queueUrl, pattern: line.pattern, receiveCount: line.receiveCount },
        fields,
      );
    assert.equal(lines[0]!.durationMs, 12);
    assert.equal(lines[1]!.errorType, 'RetryableError');
    assert.equal(lines[1]!.retryInSeconds, 8);
    assert.ok(!JSON.stringify(lines[1]).includes('jane@example.com'), 'the error message is scrubbed');
    assert.ok(!('stack' in lines[1]!) && !('err' in lines[1]!), 'no stack per attempt');
    assert.equal(lines[2]!.reason, 'validation-failed');
  });

  it('logs the registered patterns once, when the server is connected', () => {
    const { lines, outcome } = capture();
    const server = new FakeServer();
    bindSqsOutcomeLog(server, outcome);
    server.emit('status', SqsStatus.Connecting);
    server.emit('status', SqsStatus.Connected);
    server.emit('status', SqsStatus.Error);
    server.emit('status', SqsStatus.Connected);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.msg, 'Registered patterns: user.registered, order.placed');
    assert.deepEqual(lines[0]!.patterns, ['user.registered', 'order.placed']);
  });

  it("stamps every line logged inside a handler's async context with the message fields", async () => {
    const { lines, logger } = capture();
    await runWithSqsMessage(info, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('creating user');
      logger.child({ context: 'UsersService' }).warn({ status: 409 }, 'already exists');
    });
    logger.info('outside any message');
    assert.deepEqual(
      {
        ...lines[0],
        time: undefined,
        level: undefined,
        msg: undefined,
        name: undefined,
        pid: undefined,
        hostname: undefined,
      },
      {
        ...fields,
        time: undefined,
        level: undefined,
        msg: undefined,
        name: undefined,
        pid: undefined,
        hostname: undefined,
      },
    );
    assert.equal(lines[1]!.messageId, 'm-1');
    assert.equal(lines[1]!.context, 'UsersService');
    assert.equal(lines[2]!.messageId, undefined);
  });
});
