import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeycloakAdminClient, UserProfileConfig } from './keycloak-admin.client.js';
import { KeycloakHttpError, KeycloakUnavailableError } from './keycloak.errors.js';
import type { KeycloakOptions } from './keycloak.options.js';
import { profileProblems, RealmCheck, RealmPolicyError } from './realm-check.js';
import { REGISTRATION_STAMP_ATTRIBUTE } from './registration-stamp.js';

const adminOnly = { name: REGISTRATION_STAMP_ATTRIBUTE, permissions: { view: ['admin'], edit: ['admin'] } };
const goodProfile: UserProfileConfig = { attributes: [adminOnly, { name: 'tier' }] };

function check(profile: () => Promise<UserProfileConfig>, grantableRealmRoles: string[] = []) {
  const keycloak = {
    userProfile: profile,
    findRealmRole: async (name: string) => (name === 'customer' ? { id: 'r', name } : undefined),
  } as unknown as KeycloakAdminClient;
  const registration = {
    grantableRealmRoles,
    grantableClientRoles: [],
    grantableGroups: [],
    allowedAttributes: ['tier'],
    sendActionsEmail: false,
    stampSecret: 'unit-test-stamp-secret-of-32-characters',
  };
  return new RealmCheck(keycloak, { realm: 'shop', registration } as unknown as KeycloakOptions);
}

describe('the realm check', () => {
  it('refuses a user profile that lets users edit the stamp or unmanaged attributes, or drops allowed ones', () => {
    assert.deepEqual(profileProblems(goodProfile, ['tier']), []);
    assert.deepEqual(profileProblems({ ...goodProfile, unmanagedAttributePolicy: 'ADMIN_EDIT' }, ['other']), []);
    const cases: Array<[UserProfileConfig, RegExp]> = [
      [{ ...goodProfile, unmanagedAttributePolicy: 'ENABLED' }, /lets users edit unmanaged attributes/],
      [
        { attributes: [{ ...adminOnly, permissions: { edit: ['admin', 'user'] } }, { name: 'tier' }] },
        /lets others than administrators edit/,
      ],
      [{ attributes: [{ name: 'tier' }] }, /does not declare nsw-registration/],
      [
        { attributes: [adminOnly] },
        /KEYCLOAK_ALLOWED_ATTRIBUTES names "tier", which the user profile does not declare/,
      ],
    ];
    for (const [profile, expected] of cases) assert.match(profileProblems(profile, ['tier']).join('; '), expected);
  });

  it('stops start-up with one line when the realm does not fit the policy', async () => {
    const error = await check(async () => goodProfile, ['customer', 'admn'])
      .onApplicationBootstrap()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    assert.ok(error instanceof RealmPolicyError);
    assert.equal(
      error.message,
      'Keycloak realm shop is not fit for registrations: KEYCLOAK_GRANTABLE_REALM_ROLES names realm role "admn", which does not exist',
    );
  });

  it('stops start-up when Keycloak refuses the service account (403), naming the call', async () => {
    const error = await check(async () => {
      throw new KeycloakHttpError('read user profile', 403, 'unknown_error');
    })
      .onApplicationBootstrap()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    assert.ok(error instanceof RealmPolicyError);
    assert.match(
      error.message,
      /: Keycloak read user profile answered 403 \(unknown_error\) \(the service account needs/,
    );
  });

  it('does not stop start-up while Keycloak is unreachable, and checks again before a registration', async () => {
    let up = false;
    const realm = check(async () => {
      if (!up) throw new KeycloakUnavailableError('read user profile', new Error('ECONNREFUSED'));
      return goodProfile;
    });
    await realm.onApplicationBootstrap();
    await assert.rejects(realm.ensure(), KeycloakUnavailableError);
    up = true;
    await realm.ensure();
    up = false;
    await realm.ensure(); // passed once: not asked again
  });
});
