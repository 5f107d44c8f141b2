import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REGISTRATION_STAMP_ATTRIBUTE, refuseExisting, registrationStamp } from './registration-stamp.js';

const alice = {
  username: 'Alice',
  email: 'Alice@Example.test',
  groups: ['/customers', 'newsletter'],
  realmRoles: ['customer', 'beta-tester'],
};

describe('registration stamp', () => {
  it('is the same for the same registration, whatever the letter case and order', () => {
    const stamp = registrationStamp(alice);
    assert.match(stamp, /^v1:[0-9a-f]{64}$/);
    const same = {
      username: 'alice',
      email: 'alice@example.test',
      groups: ['/newsletter', 'customers/', 'customers'],
      realmRoles: ['beta-tester', 'customer'],
    };
    assert.equal(registrationStamp(same), stamp);
  });

  it('differs when the person or the grants differ', () => {
    const stamp = registrationStamp(alice);
    for (const other of [
      { ...alice, username: 'alice2' },
      { ...alice, email: 'other@example.test' },
      { ...alice, groups: ['/customers'] },
      { ...alice, realmRoles: ['customer'] },
      { ...alice, realmRoles: [...alice.realmRoles, 'admin'] },
    ]) {
      assert.notEqual(registrationStamp(other), stamp, JSON.stringify(other));
    }
  });

  it('holds no personal data in clear', () => {
    const stamp = registrationStamp(alice);
    assert.ok(!stamp.toLowerCase().includes('alice'));
  });
});

describe('refuseExisting', () => {
  const stamp = registrationStamp(alice);
  const mine = { id: 'u1', email: 'alice@example.test', attributes: { [REGISTRATION_STAMP_ATTRIBUTE]: [stamp] } };

  it('accepts the user this registration created', () => {
    assert.equal(refuseExisting(mine, alice, stamp), undefined);
  });

  it('refuses everything else, with reasons that name no personal data', () => {
    const cases: Array<[Parameters<typeof refuseExisting>[0], RegExp]> = [
      [undefined, /email address is registered to a different user/],
      [{ ...mine, email: 'mallory@example.test' }, /username is taken by a user with another email/],
      [{ ...mine, email: undefined }, /username is taken/],
      [{ ...mine, attributes: {} }, /did not create \(no registration stamp\)/],
      [
        { ...mine, attributes: { [REGISTRATION_STAMP_ATTRIBUTE]: [registrationStamp({ ...alice, realmRoles: [] })] } },
        /another registration/,
      ],
    ];
    for (const [existing, reason] of cases) {
      const refusal = refuseExisting(existing, alice, stamp);
      assert.match(refusal ?? '', reason);
      assert.ok(!/alice|mallory|example/i.test(refusal!), refusal);
    }
  });
});
