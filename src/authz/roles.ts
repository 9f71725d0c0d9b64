import * as v from "valibot";
import { ConfigurationError } from "../core/errors.js";
import { buildPermissionIndex } from "./permission-index.js";
import { parsePattern, type ParsedAction, type PermissionPattern } from "./permission.js";
import type { MatchedRule, RoleDefinition } from "./types.js";
import { IdSchema, parseConfig, PatternSchema } from "./validate.js";

export const ROLE_LIMITS = Object.freeze({ maxRoles: 10_000, maxPermissionsPerRole: 10_000 });


const RoleSchema = v.strictObject({
  id: IdSchema,
  permissions: v.pipe(v.array(PatternSchema), v.maxLength(ROLE_LIMITS.maxPermissionsPerRole)),
  // Required, not optional: a role meant for one tenant must never become global by omission.
  tenantId: v.nullable(v.pipe(v.string(), v.minLength(1))),
  description: v.optional(v.string()),
});
const RolesSchema = v.pipe(v.array(RoleSchema), v.maxLength(ROLE_LIMITS.maxRoles));

interface RoleEntry {
  roleId: string;
  tenantId: string | null;
  /** Shared and frozen: a decision lists it without allocating. */
  rule: MatchedRule;
}

/** Role definitions, precompiled into one permission index across every role. */
export interface RoleCatalog {
  /**
   * Appends one rule per held role that allows `target` in `tenantId`. A role defined
   * for another tenant, or an id with no definition, contributes nothing.
   */
  collect(target: ParsedAction, roleIds: readonly string[], tenantId: string | null, out: MatchedRule[]): void;
  has(id: string): boolean;
  readonly size: number;
}

export function compileRoles(input: readonly RoleDefinition[] | undefined): RoleCatalog {
  const roles = parseConfig(RolesSchema, input ?? [], "roles");
  const ids = new Set<string>();
  const entries: { pattern: PermissionPattern; value: RoleEntry }[] = [];
  for (const role of roles) {
    if (ids.has(role.id)) throw new ConfigurationError(`roles: the role id "${role.id}" is defined twice`);
    ids.add(role.id);
    for (const permission of new Set(role.permissions)) {
      const rule: MatchedRule = Object.freeze({ kind: "role", id: role.id, permission, effect: "allow" });
      entries.push({ pattern: parsePattern(permission)!, value: { roleId: role.id, tenantId: role.tenantId, rule } });
    }
  }
  const index = buildPermissionIndex(entries);
  // Sets of held role ids, cached only for FROZEN arrays (what the memory assignment
  // source returns): a frozen array cannot change under the cache; a mutable one can.
  const heldSets = new WeakMap<readonly string[], Set<string>>();
  const heldSet = (roleIds: readonly string[]): Set<string> => {
    if (!Object.isFrozen(roleIds)) return new Set(roleIds);
    let set = heldSets.get(roleIds);
    if (set === undefined) heldSets.set(roleIds, (set = new Set(roleIds)));
    return set;
  };

  return {
    size: ids.size,
    has: (id) => ids.has(id),
    collect(target, roleIds, tenantId, out): void {
      if (roleIds.length === 0) return;
      const candidates: RoleEntry[] = [];
      index.collect(target, candidates);
      if (candidates.length === 0) return;
      // A cached Set for frozen arrays; otherwise scanning the held ids once per candidate
      // (candidates are few) is cheaper than building a Set, unless both lists are long.
      const set = Object.isFrozen(roleIds) || candidates.length * roleIds.length > 1024 ? heldSet(roleIds) : null;
      const start = out.length;
      next: for (let c = 0; c < candidates.length; c++) {
        const entry = candidates[c]!;
        if (entry.tenantId !== null && entry.tenantId !== tenantId) continue;
        if (set === null ? !roleIds.includes(entry.roleId) : !set.has(entry.roleId)) continue;
        for (let i = start; i < out.length; i++) if (out[i]!.id === entry.roleId) continue next; // one rule per role
        out.push(entry.rule);
      }
    },
  };
}
