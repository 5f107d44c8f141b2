import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { judgeExisting, REGISTRATION_STAMP_ATTRIBUTE, registrationStamp, stampValue } from './registration-stamp.js';

const SECRET = 'unit-test-stamp-secret-of-32-characters';
const alice = {
  username: 'Alice',
  email: 'Alice@Example.test',
  groups: ['/customers', 'newsletter'],
  realmRoles: ['customer', 'beta-tester'],
  clientRoles: ['shop:buyer'],
};

describe('registration stamp', () => {
  it('is the same for the same registration, whatever the letter case and order', () => {
    const stamp = registrationStamp(alice, SECRET);
    assert.match(stamp, /^[0-9a-f]{64}$/);
    const same = {
      username: 'alice',
      email: 'alice@example.test',
      groups: ['/newsletter', 'customers', '/customers'],
      realmRoles: ['beta-tester', 'customer'],
      clientRoles: ['shop:buyer'],
    };
    assert.equal(registrationStamp(same, SECRET), stamp);
  });

  it('differs when the person or the grants differ', () => {
    const stamp = registrationStamp(alice, SECRET);
    for (const other of [
      { ...alice, username: 'alice2' },
      { ...alice, email: 'other@example.test' },
      { ...alice, groups: ['/customers'] },
      { ...alice, realmRoles: ['customer'] },
      { ...alice, realmRoles: [...alice.realmRoles, 'admin'] },
      { ...alice, clientRoles: ['shop:manager'] },
    ]) {
      assert.notEqual(registrationStamp(other, SECRET), stamp, JSON.stringify(other));
    }
  });

  it('is keyed: without the secret nobody can compute it (the unkeyed v1 SHA-256 included)', () => {
    const stamp = registrationStamp(alice, SECRET);
    assert.notEqual(registrationStamp(alice, 'another-secret-of-32-characters-xxxx'), stamp);
    const v1 = createHash('sha256')
      .update(
        JSON.stringify(['alice', 'alice@example.test', ['/customers', '/newsletter'], ['beta-tester', 'customer']]),
      )
      .digest('hex');
    assert.notEqual(stamp, v1);
    assert.ok(!stamp.toLowerCase().includes('alice'));
  });
});

describe('judgeExisting', () => {
  const stamp = registrationStamp(alice, SECRET);
  const user = (state: 'pending' | 'complete') => ({
    id: 'u1',
    email: 'alice@example.test',
    attributes: { [REGISTRATION_STAMP_ATTRIBUTE]: [stampValue(stamp, state)] },
  });

  it('recognises the user this registration created, pending or complete', () => {
    assert.deepEqual(judgeExisting(user('pending'), alice, stamp), { state: 'pending' });
    assert.deepEqual(judgeExisting(user('complete'), alice, stamp), { state: 'complete' });
  });

  it('refuses everything else, with reasons that name no personal data', () => {
    const mine = user('complete');
    const forged = (value: string) => ({ ...mine, attributes: { [REGISTRATION_STAMP_ATTRIBUTE]: [value] } });
    const cases: Array<[Parameters<typeof judgeExisting>[0], RegExp]> = [
      [undefined, /email address is registered to a different user/],
      [{ ...mine, email: 'mallory@example.test' }, /username is taken by a user with another email/],
      [{ ...mine, email: undefined }, /username is taken/],
      [{ ...mine, attributes: {} }, /did not create \(no registration stamp\)/],
      [
        forged(stampValue(registrationStamp({ ...alice, realmRoles: [] }, SECRET), 'pending')),
        /another registration stamp/,
      ],
      [forged(stampValue(registrationStamp(alice, 'a-forger-without-the-secret-xxxxxxxx'), 'pending')), /another/],
      [forged(`v1:${stamp}`), /another registration stamp/],
      [forged(stamp), /another registration stamp/],
    ];
    for (const [existing, reason] of cases) {
      const { refusal } = judgeExisting(existing, alice, stamp);
      assert.match(refusal ?? '', reason);
      assert.ok(!/alice|mallory|example/i.test(refusal!), refusal);
    }
  });
});
