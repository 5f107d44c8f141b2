import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { KeycloakAdminClient, type UserProfileConfig } from './keycloak-admin.client.js';
import { isKeycloakOutage, KeycloakHttpError } from './keycloak.errors.js';
import { KEYCLOAK_OPTIONS, type KeycloakOptions } from './keycloak.options.js';
import { parseClientRole } from './grant-names.js';
import type { RegistrationPolicy } from './registration-policy.js';
import { REGISTRATION_STAMP_ATTRIBUTE } from './registration-stamp.js';

/** The realm does not fit the registration policy; the message is the one line an operator needs. */
export class RealmPolicyError extends Error {
  override readonly name = 'RealmPolicyError';

  constructor(realm: string, problems: readonly string[]) {
    super(`Keycloak realm ${realm} is not fit for registrations: ${problems.join('; ')}`);
  }
}

/** Longest start-up waits for the check; a Keycloak that has not answered by then is checked later. */
export const REALM_CHECK_BOOT_BUDGET_MS = 5_000;

/**
 * Checks, at start-up and before the first registration, that the realm matches the policy:
 * every grantable role, client and group exists, the stamp attribute is declared and editable
 * by administrators only, unmanaged attributes are not user-editable, and every allowed
 * attribute is one Keycloak keeps. A realm that does not stops start-up (RealmPolicyError);
 * a Keycloak that cannot be reached within {@link REALM_CHECK_BOOT_BUDGET_MS} does not (an
 * outage must not crash-loop the pods): the check then runs again before each registration
 * until it has passed once.
 */
@Injectable()
export class RealmCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(RealmCheck.name);
  private passed = false;
  private inflight?: Promise<void>;

  constructor(
    private readonly keycloak: KeycloakAdminClient,
    @Inject(KEYCLOAK_OPTIONS) private readonly options: KeycloakOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), REALM_CHECK_BOOT_BUDGET_MS);
    });
    const outcome = await Promise.race([
      this.ensure().then(
        () => 'passed' as const,
        (err: unknown) => err,
      ),
      deadline,
    ]);
    clearTimeout(timer);
    if (outcome instanceof RealmPolicyError) throw outcome;
    if (outcome === 'passed') return;
    const why = outcome === 'late' ? 'no answer yet' : outcome instanceof Error ? outcome.message : String(outcome);
    this.logger.warn(`Keycloak realm check deferred (${why}): it runs again before the first registration`);
  }

  /** Resolves once the realm has passed; rejects with RealmPolicyError or the Keycloak error. */
  ensure(): Promise<void> {
    if (this.passed) return Promise.resolve();
    this.inflight ??= this.check().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async check(): Promise<void> {
    let problems: string[];
    try {
      problems = await realmProblems(this.keycloak, this.options.registration);
    } catch (err) {
      // Keycloak answered and refused (403: the service account lacks a role): a misconfiguration
      // to stop start-up on, not an outage to wait out, nor a reason to dead-letter every message.
      if (!(err instanceof KeycloakHttpError) || isKeycloakOutage(err)) throw err;
      problems = [`${err.message} (the service account needs the roles listed in docs/user-registration.md)`];
    }
    if (problems.length) throw new RealmPolicyError(this.options.realm, problems);
    this.passed = true;
  }
}

type RealmReader = Pick<
  KeycloakAdminClient,
  'userProfile' | 'findRealmRole' | 'findGroup' | 'findClient' | 'findClientRole'
>;

/** What makes the realm unfit for `policy`, one phrase each (names only: they are configuration). */
export async function realmProblems(keycloak: RealmReader, policy: RegistrationPolicy): Promise<string[]> {
  const problems = profileProblems(await keycloak.userProfile(), policy.allowedAttributes);
  for (const role of policy.grantableRealmRoles) {
    if (!(await keycloak.findRealmRole(role)))
      problems.push(`KEYCLOAK_GRANTABLE_REALM_ROLES names realm role "${role}", which does not exist`);
  }
  for (const text of policy.grantableClientRoles) {
    const { clientId, role } = parseClientRole(text)!;
    const client = await keycloak.findClient(clientId);
    if (!client || !(await keycloak.findClientRole(client.id, role)))
      problems.push(`KEYCLOAK_GRANTABLE_CLIENT_ROLES names client role "${text}", which does not exist`);
  }
  for (const path of policy.grantableGroups) {
    if (!(await keycloak.findGroup(path)))
      problems.push(`KEYCLOAK_GRANTABLE_GROUPS names group "${path}", which does not exist`);
  }
  return problems;
}

/** The user profile's part: the stamp admin-only, no user-editable unmanaged attributes. */
export function profileProblems(profile: UserProfileConfig, allowedAttributes: readonly string[]): string[] {
  const problems: string[] = [];
  const policy = profile.unmanagedAttributePolicy;
  if (policy === 'ENABLED')
    problems.push(
      'the user profile lets users edit unmanaged attributes (set "Unmanaged attributes" to Disabled or Admin can edit)',
    );
  const declared = new Map((profile.attributes ?? []).map((a) => [a.name, a]));
  const stamp = declared.get(REGISTRATION_STAMP_ATTRIBUTE);
  if (!stamp) problems.push(`the user profile does not declare ${REGISTRATION_STAMP_ATTRIBUTE}`);
  else if ((stamp.permissions?.edit ?? []).some((who) => who !== 'admin'))
    problems.push(`the user profile lets others than administrators edit ${REGISTRATION_STAMP_ATTRIBUTE}`);
  for (const name of allowedAttributes) {
    if (!declared.has(name) && policy !== 'ADMIN_EDIT' && policy !== 'ENABLED')
      problems.push(
        `KEYCLOAK_ALLOWED_ATTRIBUTES names "${name}", which the user profile does not declare (Keycloak would drop it)`,
      );
  }
  return problems;
}
