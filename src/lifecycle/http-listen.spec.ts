import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHttpConfig } from '../config/http.config.js';
import { EnvValidationError, parseEnv } from '../config/env.schema.js';
import { HttpListenError } from './http-listen.js';

const LOCAL = {
  APP_ENV: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/work',
  KEYCLOAK_URL: 'http://127.0.0.1:8080',
  KEYCLOAK_REALM: 'r',
  KEYCLOAK_CLIENT_ID: 'c',
  KEYCLOAK_CLIENT_SECRET: 's',
};
const POD = {
  ...LOCAL,
  APP_ENV: 'production',
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_REGION: 'eu-west-1',
  REGISTRATION_STAMP_SECRET: 'a-pod-secret-of-at-least-32-characters',
  KEYCLOAK_URL: 'https://sso.example.com',
};

describe('HTTP_HOST', () => {
  it('defaults to loopback for local runs and to every interface in pods; an explicit value wins', () => {
    assert.equal(toHttpConfig(parseEnv(LOCAL)).host, '127.0.0.1');
    assert.equal(toHttpConfig(parseEnv({ ...LOCAL, APP_ENV: 'development' })).host, '127.0.0.1');
    for (const appEnv of ['production', 'staging', 'integration'])
      assert.equal(toHttpConfig(parseEnv({ ...POD, APP_ENV: appEnv })).host, '0.0.0.0', appEnv);
    assert.equal(toHttpConfig(parseEnv({ ...LOCAL, HTTP_HOST: '0.0.0.0' })).host, '0.0.0.0');
    assert.equal(toHttpConfig(parseEnv({ ...POD, HTTP_HOST: '::' })).host, '::');
  });

  it('rejects a value that is not an address, naming the variable', () => {
    assert.throws(
      () => parseEnv({ ...LOCAL, HTTP_HOST: 'a b' }),
      (err: EnvValidationError) => /^Invalid environment: HTTP_HOST /.test(err.message),
    );
  });
});

describe('HttpListenError', () => {
  const http = { host: '127.0.0.1', port: 3000 };
  it('is one line naming the variable to change', () => {
    assert.equal(
      new HttpListenError(http, 'EADDRINUSE').message,
      'Cannot start: HTTP_PORT 3000 is already in use on 127.0.0.1; stop what holds it or set HTTP_PORT to a free port',
    );
    assert.match(new HttpListenError(http, 'EACCES').message, /^Cannot start: HTTP_PORT 3000 needs privileges/);
    assert.match(
      new HttpListenError({ ...http, host: '10.9.9.9' }, 'EADDRNOTAVAIL').message,
      /^Cannot start: HTTP_HOST 10\.9\.9\.9 is not an address of this machine/,
    );
    assert.match(
      new HttpListenError(http, undefined).message,
      /HTTP_HOST 127\.0\.0\.1, HTTP_PORT 3000 failed \(unknown error\)$/,
    );
  });
});
