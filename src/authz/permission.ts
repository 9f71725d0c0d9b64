import { ConfigurationError } from "../core/errors.js";
import type { Permission } from "../ports/authorization.js";

/**
 * Permission grammar and wildcard rules (locked for 0.3):
 *
 * - A permission is exactly two segments, `resource:action`. A segment is 1 to 64
 *   of `A-Z a-z 0-9 _ - .`; the whole string is at most 129 characters.
 * - A pattern is a permission where either segment may be `*` (exactly one whole
 *   segment, any value), or `*` alone (everything). `*:*` is the same as `*`.
 * - No partial-segment globs: `do*:read`, `doc:re*`, `**` are invalid.
 * - Matching is case-sensitive and exact otherwise (`Doc:read` does not match `doc:read`).
 * - Invalid patterns in configuration (roles, policies, helpers, the memory
 *   assignment source) throw `ConfigurationError`. Patterns that arrive as data at
 *   request time (grants, scopes on a subject) are never trusted to widen access: an
 *   invalid allow grant or scope matches nothing, an invalid DENY grant matches
 *   everything (fail closed).
 */
const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

export type PermissionPattern =
  | { kind: "any" }
  | { kind: "exact"; permission: string }
  | { kind: "resource"; resource: string }
  | { kind: "action"; action: string };

/** A concrete permission split once per request. */
export interface ParsedAction {
  permission: string;
  resource: string;
  action: string;
}

/** Splits a concrete permission; null when it is not one (wildcards included). */
export function parseAction(permission: unknown): ParsedAction | null {
  if (typeof permission !== "string" || permission.length > 129) return null;
  const colon = permission.indexOf(":");
  if (colon < 0) return null;
  const resource = permission.slice(0, colon);
  const action = permission.slice(colon + 1);
  if (!SEGMENT.test(resource) || !SEGMENT.test(action)) return null;
  return { permission, resource, action };
}

/** Parses a pattern; null when invalid. */
export function parsePattern(pattern: unknown): PermissionPattern | null {
  if (typeof pattern !== "string" || pattern.length > 129) return null;
  if (pattern === "*" || pattern === "*:*") return { kind: "any" };
  const colon = pattern.indexOf(":");
  if (colon < 0) return null;
  const resource = pattern.slice(0, colon);
  const action = pattern.slice(colon + 1);
  if (resource === "*") return SEGMENT.test(action) ? { kind: "action", action } : null;
  if (!SEGMENT.test(resource)) return null;
  if (action === "*") return { kind: "resource", resource };
  return SEGMENT.test(action) ? { kind: "exact", permission: pattern } : null;
}

export function isValidPattern(pattern: unknown): boolean {
  return parsePattern(pattern) !== null;
}

/** For configuration: a pattern or a `ConfigurationError` saying where it came from. */
export function requirePattern(pattern: unknown, where: string): PermissionPattern {
  const parsed = parsePattern(pattern);
  if (parsed === null) throw new ConfigurationError(`${where}: ${describe(pattern)} is not a valid permission pattern (${GRAMMAR})`);
  return parsed;
}

/** For configuration: a concrete permission (no wildcard) or a `ConfigurationError`. */
export function requirePermissionString(permission: unknown, where: string): ParsedAction {
  const parsed = parseAction(permission);
  if (parsed === null) throw new ConfigurationError(`${where}: ${describe(permission)} is not a concrete permission (${GRAMMAR}, no wildcard)`);
  return parsed;
}

export function patternMatches(pattern: PermissionPattern, target: ParsedAction): boolean {
  switch (pattern.kind) {
    case "any":
      return true;
    case "exact":
      return pattern.permission === target.permission;
    case "resource":
      return pattern.resource === target.resource;
    case "action":
      return pattern.action === target.action;
  }
}

/** `permissionMatches("doc:*", "doc:read")`: true. An invalid pattern or permission: false. */
export function permissionMatches(pattern: Permission, permission: Permission): boolean {
  const parsed = parsePattern(pattern);
  const target = parseAction(permission);
  return parsed !== null && target !== null && patternMatches(parsed, target);
}

const GRAMMAR = "expected resource:action with segments of A-Z a-z 0-9 _ - . (at most 64 each), a whole segment *, or * alone";

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.length > 80 ? value.slice(0, 80) + "..." : value) : typeof value;
}
