/** The options whose relations the transport checks, with the names a message shows for them. */
export interface RuleNames {
  visibilityTimeout: string;
  heartbeatIntervalSeconds: string;
  maxVisibilitySeconds: string;
  deleteBatchLingerMs: string;
  backoffBaseSeconds: string;
  backoffMaxSeconds: string;
}

/** The option values the cross-option rules read. */
export interface RuleValues {
  visibilityTimeout: number;
  heartbeatIntervalSeconds: number;
  maxVisibilitySeconds: number;
  /** Undefined: the default, which always fits. */
  deleteBatchLingerMs?: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
}

/** A broken rule: the setting to change, and why (the message starts after its name). */
export interface RuleViolation {
  option: keyof RuleNames;
  message: string;
}

/** The option names `SqsServer` reports its rule violations under. */
export const OPTION_NAMES: RuleNames = {
  visibilityTimeout: 'visibilityTimeout',
  heartbeatIntervalSeconds: 'heartbeatIntervalSeconds',
  maxVisibilitySeconds: 'maxVisibilitySeconds',
  deleteBatchLingerMs: 'deleteBatchLingerMs',
  backoffBaseSeconds: 'backoff.baseSeconds',
  backoffMaxSeconds: 'backoff.maxSeconds',
};

/**
 * The longest a handled message's delete may wait for its batch: once settled a message is no
 * longer extended, so its delete must land well before its visibility runs out.
 */
export function deleteLingerLimitMs(visibilityTimeout: number, heartbeatIntervalSeconds: number): number {
  return ((visibilityTimeout - heartbeatIntervalSeconds) * 1_000) / 2;
}

/**
 * The rules between the transport's options, in one place: `SqsServer` enforces them on its
 * options, the service's environment schema on its variables (with `names` naming those).
 */
export function optionRuleViolations(v: RuleValues, names: RuleNames = OPTION_NAMES): RuleViolation[] {
  const violations: RuleViolation[] = [];
  if (v.heartbeatIntervalSeconds >= v.visibilityTimeout) {
    violations.push({
      option: 'heartbeatIntervalSeconds',
      message: `must be below ${names.visibilityTimeout} (${v.visibilityTimeout} s), or a message becomes visible again before its visibility is extended`,
    });
  }
  const lingerLimit = deleteLingerLimitMs(v.visibilityTimeout, v.heartbeatIntervalSeconds);
  if (v.deleteBatchLingerMs !== undefined && v.deleteBatchLingerMs > lingerLimit) {
    violations.push({
      option: 'deleteBatchLingerMs',
      message: `must be at most (${names.visibilityTimeout} - ${names.heartbeatIntervalSeconds}) * 500 = ${lingerLimit} ms, or a handled message may reappear before its delete`,
    });
  }
  if (v.maxVisibilitySeconds < v.visibilityTimeout) {
    violations.push({
      option: 'maxVisibilitySeconds',
      message: `must be at least ${names.visibilityTimeout} (${v.visibilityTimeout} s)`,
    });
  }
  if (v.backoffMaxSeconds < v.backoffBaseSeconds) {
    violations.push({
      option: 'backoffMaxSeconds',
      message: `must be at least ${names.backoffBaseSeconds} (${v.backoffBaseSeconds} s)`,
    });
  }
  return violations;
}
