import { ConfigurationError } from "../core/errors.js";
import type { AssignmentSource, Assignments, Grant } from "../ports/authorization.js";
import { requirePattern } from "./permission.js";

export interface AssignmentEntry {
  subjectId: string;
  /** The tenant these roles and grants hold in; null outside any tenant. */
  tenantId: string | null;
  roleIds?: readonly string[];
  grants?: readonly Grant[];
}

export interface MemoryAssignments extends AssignmentSource {
  /** Replaces the subject's roles and grants in that tenant. Invalid patterns throw `ConfigurationError`. */
  assign(entry: AssignmentEntry): void;
  /** Removes every role and grant of the subject in that tenant. */
  unassign(subjectId: string, tenantId: string | null): void;
}

const NONE: Assignments = Object.freeze({ roleIds: Object.freeze([]), grants: Object.freeze([]) });

/**
 * Assignments in this closure's memory (tests, demos, one process). Each answer is
 * a frozen object shared between calls: nobody can change it in place, and the
 * role catalog can cache its lookups per answer. Persistent stores come later.
 */
export function memoryAssignments(entries: readonly AssignmentEntry[] = []): MemoryAssignments {
  // tenant -> subject -> assignments; a Map keyed by the null tenant keeps "no tenant" apart from any string.
  const byTenant = new Map<string | null, Map<string, Assignments>>();
  const source: MemoryAssignments = {
    consistency: "atomic",
    async assignmentsFor(subjectId, tenantId): Promise<Assignments> {
      return byTenant.get(tenantId)?.get(subjectId) ?? NONE;
    },
    assign(entry): void {
      if (typeof entry.subjectId !== "string" || entry.subjectId === "") throw new ConfigurationError("assignments: subjectId must be a non-empty string");
      const where = `assignments for "${entry.subjectId}" in ${entry.tenantId === null ? "no tenant" : `tenant "${entry.tenantId}"`}`;
      const roleIds = Object.freeze([...new Set(entry.roleIds ?? [])]);
      for (const id of roleIds) if (typeof id !== "string" || id === "") throw new ConfigurationError(`${where}: role ids must be non-empty strings`);
      const grants = Object.freeze(
        (entry.grants ?? []).map((grant, i) => {
          requirePattern(grant.permission, `${where}, grants[${i}]`);
          if (grant.effect !== "allow" && grant.effect !== "deny") throw new ConfigurationError(`${where}, grants[${i}]: effect must be "allow" or "deny"`);
          return Object.freeze({ ...grant });
        }),
      );
      let subjects = byTenant.get(entry.tenantId);
      if (subjects === undefined) byTenant.set(entry.tenantId, (subjects = new Map()));
      subjects.set(entry.subjectId, Object.freeze({ roleIds, grants }));
    },
    unassign(subjectId, tenantId): void {
      byTenant.get(tenantId)?.delete(subjectId);
    },
  };
  for (const entry of entries) source.assign(entry);
  return source;
}
