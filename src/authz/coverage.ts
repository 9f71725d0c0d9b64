import type { Grant, Permission } from "../ports/authorization.js";
import { parsePattern, type PermissionPattern } from "./permission.js";
import type { RoleDefinition } from "./types.js";

/**
 * Pattern coverage, for "no privilege escalation" checks: may an actor hand out
 * (or take away) a permission pattern? Only what the actor statically holds counts:
 *
 * - a held pattern COVERS a wanted one when each of its segments is equal or `*`
 *   (`*` alone covers everything; `doc:*` covers `doc:read` and `doc:*`, not `*:read`);
 * - a deny pattern of the actor that OVERLAPS the wanted one (some concrete permission
 *   matches both) blocks it, even when an allow covers it;
 * - ABAC policies never count (conservative: a condition true now may be false later).
 *
 * Patterns arrive as data, so a malformed one never widens anything: an invalid held
 * allow covers nothing, an invalid deny overlaps everything, an invalid wanted pattern
 * is never covered.
 */

/** What a subject statically holds: allows from roles and grants (bounded by scopes), and deny grants. */
export interface EffectivePermissions {
  allow: Permission[];
  deny: Permission[];
}

/** A pattern as two segments, `*` standing for "any". */
type Segments = readonly [resource: string, action: string];

function segments(pattern: PermissionPattern): Segments {
  switch (pattern.kind) {
    case "any":
      return ["*", "*"];
    case "resource":
      return [pattern.resource, "*"];
    case "action":
      return ["*", pattern.action];
    case "exact": {
      const colon = pattern.permission.indexOf(":");
      return [pattern.permission.slice(0, colon), pattern.permission.slice(colon + 1)];
    }
  }
}

function parse(pattern: unknown): Segments | null {
  const parsed = parsePattern(pattern);
  return parsed === null ? null : segments(parsed);
}

const covers1 = (held: string, wanted: string): boolean => held === "*" || held === wanted;
const overlaps1 = (a: string, b: string): boolean => a === "*" || b === "*" || a === b;

/** `held` matches every concrete permission `wanted` matches. Invalid either side: false. */
export function patternCovers(held: Permission, wanted: Permission): boolean {
  const h = parse(held);
  const w = parse(wanted);
  return h !== null && w !== null && covers1(h[0], w[0]) && covers1(h[1], w[1]);
}

/** Some concrete permission matches both. An invalid pattern overlaps everything (it is used for denies). */
export function patternsOverlap(a: Permission, b: Permission): boolean {
  const x = parse(a);
  const y = parse(b);
  if (x === null || y === null) return true;
  return overlaps1(x[0], y[0]) && overlaps1(x[1], y[1]);
}

/**
 * The pattern matching exactly the permissions both match, or null when none does
 * (or either is invalid). Used to bound a key owner's allows by the key's scopes.
 */
export function intersectPatterns(a: Permission, b: Permission): Permission | null {
  const x = parse(a);
  const y = parse(b);
  if (x === null || y === null || !overlaps1(x[0], y[0]) || !overlaps1(x[1], y[1])) return null;
  const resource = x[0] === "*" ? y[0] : x[0];
  const action = x[1] === "*" ? y[1] : x[1];
  return resource === "*" && action === "*" ? "*" : `${resource}:${action}`;
}

/** The wanted pattern is covered by an allow and overlapped by no deny. */
export function coversPattern(held: EffectivePermissions, wanted: Permission): boolean {
  if (parse(wanted) === null) return false;
  if (held.deny.some((deny) => patternsOverlap(deny, wanted))) return false;
  return held.allow.some((allow) => patternCovers(allow, wanted));
}

/** The wanted patterns that `held` does not cover, in order, without duplicates; empty when all are covered. */
export function uncoveredPatterns(held: EffectivePermissions, wanted: readonly Permission[]): Permission[] {
  const out: Permission[] = [];
  for (const pattern of wanted) if (!out.includes(pattern) && !coversPattern(held, pattern)) out.push(pattern);
  return out;
}

/**
 * Builds `EffectivePermissions` from held roles (already filtered to the subject's tenant),
 * grants and optional scopes, with the same data rules as decisions (subject-rules.ts): an
 * invalid allow grant gives nothing, anything that is not exactly an allow is a deny and an
 * invalid deny becomes `*`; with scopes, each allow is narrowed to its intersection with
 * each scope (an invalid scope bounds to nothing).
 */
export function staticPermissions(roles: readonly RoleDefinition[], grants: readonly Grant[], scopes: readonly Permission[] | undefined): EffectivePermissions {
  const allow = new Set<Permission>();
  const deny = new Set<Permission>();
  for (const role of roles) for (const permission of role.permissions) allow.add(permission);
  for (const grant of grants as readonly (Partial<Grant> | null)[]) {
    const valid = parsePattern(grant?.permission) !== null;
    if (grant?.effect === "allow") {
      if (valid) allow.add(grant.permission!);
    } else {
      deny.add(valid ? grant!.permission! : "*");
    }
  }
  if (scopes === undefined) return { allow: [...allow], deny: [...deny] };
  const bounded = new Set<Permission>();
  if (Array.isArray(scopes)) {
    for (const permission of allow) {
      for (const scope of scopes) {
        const both = intersectPatterns(permission, scope);
        if (both !== null) bounded.add(both);
      }
    }
  }
  return { allow: [...bounded], deny: [...deny] };
}
