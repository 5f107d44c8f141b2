import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSafeName, normalizeGroupPath, parseClientRole } from './grant-names.js';
import { policyViolations, type RegistrationPolicy } from './registration-policy.js';

const policy: RegistrationPolicy = {
  grantableRealmRoles: ['customer'],
  grantableClientRoles: ['shop:buyer'],
  grantableGroups: ['/customers', '/customers/vip'],
  allowedAttributes: ['tier'],
  sendActionsEmail: false,
  stampSecret: 'unit-test-stamp-secret-of-32-characters',
};

describe('policyViolations', () => {
  it('accepts what the allowlists name, a group in any one spelling', () => {
    const request = {
      realmRoles: ['customer'],
      clientRoles: ['shop:buyer'],
      groups: ['customers', '/customers/vip'],
      attributes: { tier: 'gold' },
    };
    assert.deepEqual(policyViolations(request, policy), []);
    assert.deepEqual(policyViolations({}, policy), []);
  });

  it('names each field that asks for more, and the variable, never the value', () => {
    const violations = policyViolations(
      {
        realmRoles: ['customer', 'admin'],
        clientRoles: ['shop:manager'],
        groups: ['/staff'],
        attributes: { isAdmin: 'y' },
      },
      policy,
    );
    assert.deepEqual(
      violations.map((v) => v.split(' ')[0]),
      ['realmRoles', 'clientRoles', 'groups', 'attributes'],
    );
    assert.ok(
      violations.every((v) => /\(KEYCLOAK_[A-Z_]+\)$/.test(v) && !/admin|manager|staff/i.test(v)),
      violations.join(),
    );
  });

  it('grants nothing with the default (empty) policy', () => {
    const empty = {
      ...policy,
      grantableRealmRoles: [],
      grantableClientRoles: [],
      grantableGroups: [],
      allowedAttributes: [],
    };
    assert.equal(policyViolations({ realmRoles: ['customer'], groups: ['/customers'] }, empty).length, 2);
  });
});

describe('names that can only name themselves', () => {
  it('refuses separators, dot segments, encoded forms and control characters', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\\b', 'a%2Fb', 'a?x', 'a#x', 'a\nb', ' a', 'a '])
      assert.equal(isSafeName(name), false, JSON.stringify(name));
    for (const name of ['customer', 'beta-tester', 'Premium Customers', 'offline_access', 'app:viewer'])
      assert.equal(isSafeName(name), true, name);
  });

  it('gives group paths one spelling, refusing empty, . and .. segments', () => {
    assert.equal(normalizeGroupPath('customers'), '/customers');
    assert.equal(normalizeGroupPath('/customers/vip'), '/customers/vip');
    for (const path of ['../roles/admin', '/customers/../staff', '//customers', '/customers/', '/', '%2e%2e'])
      assert.equal(normalizeGroupPath(path), undefined, path);
  });

  it('reads clientId:role, the role after the last colon', () => {
    assert.deepEqual(parseClientRole('shop:buyer'), { clientId: 'shop', role: 'buyer' });
    assert.deepEqual(parseClientRole('urn:app:viewer'), { clientId: 'urn:app', role: 'viewer' });
    for (const text of ['buyer', ':buyer', 'shop:', 'shop:..', '../x:buyer'])
      assert.equal(parseClientRole(text), undefined, text);
  });
});
