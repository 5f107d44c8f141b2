import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Controller, Get, Logger as NestLogger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { pino } from 'pino';
import { createConfigModule } from '../config/config.module.js';
import { LoggingModule } from './logging.module.js';
import { createPinoOptions, isProbeRequest } from './pino-options.js';
import { scrubText } from './redaction.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const SECRETS = [
  'hunter2',
  'jane.doe@example.com',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
  'AKIAABCDEFGHIJKLMNOP',
  's3cr3t-token',
  'Jane',
  'Doe',
];

function assertNoSecrets(output: string): void {
  for (const secret of SECRETS) assert.ok(!output.includes(secret), `log output leaked ${secret}: ${output}`);
}

describe('log redaction at the logger', () => {
  it('censors sensitive fields at any depth and everything under credentials', () => {
    const out = capture();
    const logger = pino(createPinoOptions({ logLevel: 'info' }), out.stream);
    logger.info(
      {
        messageId: 'm-1',
        user: {
          username: 'jdoe',
          email: 'jane.doe@example.com',
          firstName: 'Jane',
          lastName: 'Doe',
          credentials: [{ type: 'password', value: 'hunter2' }],
        },
        deep: { a: { b: { c: { password: 'hunter2', apiKey: 's3cr3t-token' } } } },
        headers: { Authorization: 'Bearer s3cr3t-token' },
        aws: { accessKeyId: 'AKIAABCDEFGHIJKLMNOP' },
      },
      'registering user',
    );
    assertNoSecrets(out.lines.join('\n'));
    const [record] = out.records();
    assert.equal(record!.messageId, 'm-1');
    assert.equal((record!.user as Record<string, unknown>).username, 'jdoe');
    assert.equal((record!.user as Record<string, unknown>).credentials, '[redacted]');
    assert.equal(record!.level, 'info');
    assert.equal(record!.msg, 'registering user');
  });

  it('scrubs emails, bearer tokens, JWTs and key ids inside message strings and errors', () => {
    const out = capture();
    const logger = pino(createPinoOptions({ logLevel: 'info' }), out.stream);
    logger.info('created user jane.doe@example.com');
    logger.warn('retrying with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl');
    logger.info('user %s has password=%s', 'jane.doe@example.com', 'hunter2');
    const error = new Error('Keycloak rejected jane.doe@example.com with password=hunter2');
    logger.error(error);
    logger.error({ err: error }, 'handler failed');
    const output = out.lines.join('\n');
    assertNoSecrets(output);
    assert.match(output, /created user \[email\]/);
    assert.equal(
      error.message,
      'Keycloak rejected jane.doe@example.com with password=hunter2',
      "the caller's error is not modified",
    );
    const records = out.records();
    assert.equal((records[3]!.err as Record<string, unknown>).type, 'Error');
    assert.match(String((records[4]!.err as Record<string, unknown>).stack), /Keycloak rejected \[email\]/);
  });

  it('censors secret values written as JSON or inspect text, whole objects included, at the logger', () => {
    const out = capture();
    const logger = pino(createPinoOptions({ logLevel: 'info' }), out.stream);
    logger.warn('no handler for pattern "{"cmd":"x","password":"hunter2","token":"s3cr3t-token"}"');
    logger.warn(
      { detail: 'body {"username":"jdoe","credentials":[{"type":"password","value":"hunter2"}],"n":1}' },
      'rejected',
    );
    logger.warn('escaped: "{\\"apiKey\\":\\"s3cr3t-token\\",\\"ok\\":true}"');
    logger.warn("inspected: { password: 'hunter2', name: 'x' }");
    assertNoSecrets(out.lines.join('\n'));
    const messages = out.records().map((r) => String(r.msg ?? ''));
    assert.match(messages[0]!, /"cmd":"x","password":"\[redacted\]","token":"\[redacted\]"/);
    assert.match(String(out.records()[1]!.detail), /"username":"jdoe","credentials":"\[redacted\]","n":1/);
  });

  it('censors JSON pairs of every value type, cut-off values to the end, and nothing else', () => {
    assert.equal(scrubText('{"password":12345,"a":"b"}'), '{"password":"[redacted]","a":"b"}');
    assert.equal(scrubText('{"secret":{"x":{"y":"}"}},"a":1}'), '{"secret":"[redacted]","a":1}');
    assert.equal(scrubText('{"pass":"a\\"b\\\\","next":"kept"}'), '{"pass":"[redacted]","next":"kept"}');
    assert.equal(scrubText('{"a":"b","authorization":"Basic dXNlcjpw'), '{"a":"b","authorization":"[redacted]"');
    assert.equal(scrubText('{"cmd":"user.create","count":3}'), '{"cmd":"user.create","count":3}');
    assert.equal(scrubText('ratio 3:4 at 12:00'), 'ratio 3:4 at 12:00');
  });

  it('leaves ordinary text alone', () => {
    assert.equal(
      scrubText('processed message 42 from queue work in 12 ms'),
      'processed message 42 from queue work in 12 ms',
    );
  });

  it('does not log probe and scrape requests', () => {
    assert.equal(isProbeRequest({ url: '/health/ready' }), true);
    assert.equal(isProbeRequest({ url: '/metrics?x=1' }), true);
    assert.equal(isProbeRequest({ url: '/users' }), false);
  });

  it('applies through LoggingModule to the Nest logger, as JSON at the configured level', async () => {
    const out = capture();
    @Controller()
    class NoopController {
      @Get() get() {
        return 'ok';
      }
    }
    const env = {
      APP_ENV: 'local',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      SQS_QUEUE_URL: 'http://127.0.0.1:1/0/q',
      KEYCLOAK_URL: 'http://k',
      KEYCLOAK_REALM: 'r',
      KEYCLOAK_CLIENT_ID: 'c',
      KEYCLOAK_CLIENT_SECRET: 's',
      LOG_LEVEL: 'warn',
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [await createConfigModule(), LoggingModule.forRoot({ destination: out.stream })],
        controllers: [NoopController],
      }).compile();
      const app = moduleRef.createNestApplication({ bufferLogs: true });
      app.useLogger(app.get(Logger));
      await app.init();
      const logger = new NestLogger('UsersService');
      logger.log('below the level: not written');
      logger.warn({ msg: 'Keycloak slow for jane.doe@example.com', password: 'hunter2' });
      logger.error('token refresh failed: Bearer s3cr3t-token');
      await app.close();
    } finally {
      process.env = saved;
    }
    const output = out.lines.join('\n');
    assertNoSecrets(output);
    const records = out.records().filter((r) => r.context === 'UsersService');
    assert.deepEqual(
      records.map((r) => r.level),
      ['warn', 'error'],
    );
  });
});
