import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CENSOR, scrubSecrets, scrubText, scrubValue } from './scrub.js';

const registration = {
  username: 'ada',
  email: 'ada@example.test',
  firstName: 'Ada',
  lastName: 'Lovelace',
  credentials: { password: 'hunter2-hunter2', temporary: false },
};

describe('scrubSecrets (bodies: secrets out, the rest kept for a redrive)', () => {
  it('censors secret keys in a JSON body, keeping personal data', () => {
    const scrubbed = JSON.parse(scrubSecrets(JSON.stringify(registration)));
    assert.deepEqual(scrubbed, { ...registration, credentials: CENSOR });
  });

  it('censors them inside an escaped envelope (an SNS notification) and in objects at any depth', () => {
    const envelope = JSON.stringify({ Type: 'Notification', Message: JSON.stringify(registration) });
    const text = scrubSecrets(envelope);
    assert.ok(!text.includes('hunter2'), text);
    assert.equal(JSON.parse(JSON.parse(text).Message).email, registration.email);
    assert.deepEqual(scrubSecrets({ deep: { apiKey: 'k', token: 't', name: 'n' } }), {
      deep: { apiKey: CENSOR, token: CENSOR, name: 'n' },
    });
  });

  it('censors bearer tokens, JWTs and AWS key ids in free text, not emails', () => {
    const text = scrubSecrets('Bearer abc.def eyJhbGciOiJI.eyJzdWIiOiIx.c2ln AKIAABCDEFGHIJKLMNOP ada@example.test');
    assert.equal(text, `Bearer ${CENSOR} ${CENSOR} ${CENSOR} ada@example.test`);
  });
});

describe('scrubText / scrubValue (logs, details, patterns: secrets and personal data out)', () => {
  it('censors personal keys and emails too', () => {
    const text = scrubText(JSON.stringify(registration));
    for (const value of ['hunter2', 'ada@example.test', 'Lovelace', '"Ada"']) assert.ok(!text.includes(value), text);
    assert.deepEqual(scrubValue({ firstName: 'Ada', note: 'mail ada@example.test' }), {
      firstName: CENSOR,
      note: 'mail [email]',
    });
  });
});
