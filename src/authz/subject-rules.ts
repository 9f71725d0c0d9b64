import type { Grant } from "../ports/authorization.js";
import { parsePattern, patternMatches, type ParsedAction } from "./permission.js";
import type { MatchedRule } from "./types.js";

/**
 * Grants and scopes arrive as data at request time (from the subject or an
 * assignment source), so a malformed one must never widen access:
 * - an allow grant with an invalid pattern matches nothing;
 * - anything that is not exactly an allow (`effect: "deny"`, a typo, a missing
 *   effect) is a deny, and a deny with an invalid pattern matches EVERYTHING;
 * - an invalid scope covers nothing.
 */
export function collectGrants(grants: readonly Grant[] | undefined, target: ParsedAction, denies: MatchedRule[], allows: MatchedRule[]): void {
  if (grants === undefined) return;
  if (!Array.isArray(grants)) {
    denies.push({ kind: "grant", id: "(malformed grants)", effect: "deny" });
    return;
  }
  for (let i = 0; i < grants.length; i++) {
    const grant = grants[i] as Partial<Grant> | null;
    const permission = typeof grant?.permission === "string" ? grant.permission : "(invalid)";
    const id = typeof grant?.id === "string" ? grant.id : permission;
    const pattern = parsePattern(grant?.permission);
    if (grant?.effect === "allow") {
      if (pattern !== null && patternMatches(pattern, target)) allows.push({ kind: "grant", id, permission, effect: "allow" });
    } else if (pattern === null || patternMatches(pattern, target)) {
      denies.push({ kind: "grant", id, permission, effect: "deny" });
    }
  }
}

/** See `Facts.scope`: null without scopes, the covering scope's rule, or false. */
export function matchScope(scopes: readonly string[] | undefined, target: ParsedAction): MatchedRule | null | false {
  if (scopes === undefined) return null;
  if (!Array.isArray(scopes)) return false;
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i];
    const pattern = parsePattern(scope);
    if (pattern !== null && patternMatches(pattern, target)) return { kind: "scope", id: scope as string, permission: scope as string, effect: "allow" };
  }
  return false;
}

/** Roles from the subject and from the assignment source; one list, allocated only when both have some. */
export function mergeRoleIds(own: readonly string[] | undefined, assigned: readonly string[] | undefined): readonly string[] {
  const a = Array.isArray(own) ? own : EMPTY;
  const b = Array.isArray(assigned) ? assigned : EMPTY;
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...a, ...b];
}

const EMPTY: readonly string[] = Object.freeze([]);
