/**
 * STAND-IN PERMISSION CHECK, to be replaced by the authorization engine (src/authz,
 * `createAuthorizer(...).authorize`). It exists only so the route-rule plumbing (config ->
 * compiled rules -> check -> 403 + audit) runs end to end in the Worker today.
 *
 * Rule: a principal holds EVERY permission when its email is listed in ADMIN_EMAILS and the
 * address is verified; nobody else holds any. The verification requirement matters: sign-up
 * does not verify addresses yet, so without it whoever registers a listed address first
 * (before its owner does) would become an administrator.
 */
import type { PermissionCheck } from "../src/runtimes/access/index.js";

export function adminEmailCheck(adminEmails: readonly string[]): PermissionCheck {
  const admins = new Set(adminEmails);
  return async (principal) => {
    if (principal.type !== "user") return { allowed: false, reason: "not_a_user" };
    if (!admins.has(principal.email)) return { allowed: false, reason: "not_admin" };
    if (!principal.emailVerified) return { allowed: false, reason: "admin_email_unverified" };
    return { allowed: true, reason: "admin_email" };
  };
}
