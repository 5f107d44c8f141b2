/**
 * What a role, client or group name may look like wherever it comes from (a message, the
 * operator's allowlists), so that it can only ever name itself in an Admin API path: no path
 * separators (`/`, `\`), no `.` or `..` segment, no percent-encoded form, no query or fragment
 * character, no control character, no leading or trailing space. Keycloak allows more; names
 * outside this set cannot be granted by a message.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const SAFE_NAME = /^(?!\.{1,2}$)(?! )(?!.* $)[^/\\%?#\u0000-\u001f\u007f]{1,255}$/u;

/** True for a name that names itself only (see above). */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name);
}

/**
 * A group path in its one spelling `/parent/child` (a leading `/` optional), or `undefined`
 * when a segment is empty, `.`, `..` or otherwise unsafe (`customers/` and `a//b` included).
 */
export function normalizeGroupPath(pathOrName: string): string | undefined {
  const segments = (pathOrName.startsWith('/') ? pathOrName.slice(1) : pathOrName).split('/');
  return segments.every(isSafeName) ? `/${segments.join('/')}` : undefined;
}

/** A client role written `clientId:role` (the role is what follows the last colon). */
export interface ClientRoleName {
  clientId: string;
  role: string;
}

/** Parses `clientId:role`; `undefined` when either part is empty or unsafe. */
export function parseClientRole(text: string): ClientRoleName | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  const name = { clientId: text.slice(0, at), role: text.slice(at + 1) };
  return isSafeName(name.clientId) && isSafeName(name.role) ? name : undefined;
}

/** Custom user attribute names a message may use at all (the allowlist narrows them further). */
export const ATTRIBUTE_NAME = /^[\w.:-]{1,255}$/;
