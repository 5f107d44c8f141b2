import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayPattern, PATTERN_DISPLAY_MAX } from './pattern-display.js';

describe('displayPattern', () => {
  it('keeps ordinary patterns as they are', () => {
    assert.equal(displayPattern('user.registered'), 'user.registered');
    assert.equal(displayPattern('{"cmd":"sum","v":2}'), '{"cmd":"sum","v":2}');
  });

  it('censors emails in a string pattern', () => {
    assert.equal(displayPattern('notify.henry@example.com'), '[email]');
    assert.equal(displayPattern('send-to:jane.doe@example.com:now'), 'send-to:[email]:now');
  });

  it('censors the values of secret keys in a JSON object pattern, at any depth and of any type', () => {
    const shown = displayPattern(
      '{"cmd":"login","password":"hunter2","token":"abc.def","auth":{"Authorization":"Basic x"},"credentials":[{"value":"p"}],"n":1}',
    );
    assert.deepEqual(JSON.parse(shown), {
      cmd: 'login',
      password: '[redacted]',
      token: '[redacted]',
      auth: { Authorization: '[redacted]' },
      credentials: '[redacted]',
      n: 1,
    });
    assert.equal(
      displayPattern('{"cmd":"x","clientSecret":42,"to":"a@b.example"}'),
      '{"cmd":"x","clientSecret":"[redacted]","to":"[email]"}',
    );
  });

  it('censors first and last names, as the logs do', () => {
    assert.deepEqual(JSON.parse(displayPattern('{"cmd":"greet","firstName":"Ada","last_name":"Lovelace"}')), {
      cmd: 'greet',
      firstName: '[redacted]',
      last_name: '[redacted]',
    });
    assert.equal(
      displayPattern('{"cmd":"x","lastName":"Love'),
      '[unparseable JSON pattern naming a sensitive-looking key, 27 characters]',
    );
  });

  it('shows no values of a JSON-looking pattern that does not parse and names a secret', () => {
    const shown = displayPattern('{"cmd":"x","password":"hunter2", oops');
    assert.equal(shown, '[unparseable JSON pattern naming a sensitive-looking key, 37 characters]');
    assert.equal(displayPattern('{"cmd":"x", oops'), '{"cmd":"x", oops');
  });

  it('stays on one line and within the length limit, saying how much was cut', () => {
    assert.equal(displayPattern('a\nb\u0000c'), 'a\\u000ab\\u0000c');
    const long = displayPattern(`x${'y'.repeat(999)}`);
    assert.equal(long, `x${'y'.repeat(PATTERN_DISPLAY_MAX - 1)}... (800 more characters)`);
  });

  it('censors before cutting, so a secret at the cut is not half shown', () => {
    const shown = displayPattern(`{"pad":"${'p'.repeat(180)}","password":"hunter2-hunter2-hunter2"}`);
    assert.ok(!shown.includes('hunter2'), shown);
  });
});
