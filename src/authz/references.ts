import type { AuthzEnvironment, AuthzResource, AuthzSubject, Grant } from "../ports/authorization.js";

/**
 * What a condition can read. `now` is the environment's time in epoch milliseconds;
 * `roleIds` and `grants` are the subject's EFFECTIVE ones (its own plus the assignment
 * source's), read as `subject.roleIds` / `subject.grants` without copying the subject.
 */
export interface EvaluationScope {
  subject: AuthzSubject;
  roleIds: readonly string[];
  grants: readonly Grant[];
  resource: AuthzResource | null;
  action: string;
  environment: AuthzEnvironment;
  now: number;
}

export type Resolver = (scope: EvaluationScope) => unknown;

/**
 * `action`, or `subject.*`, `resource.*`, `environment.*` followed by 1 to 8
 * property names. Names that reach into prototypes are refused outright.
 */
export const REFERENCE = /^(?:action|(?:subject|resource|environment)(?:\.[A-Za-z0-9_-]{1,64}){1,8})$/;
const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

export function isValidReference(ref: string): boolean {
  return REFERENCE.test(ref) && !ref.split(".").some((part) => FORBIDDEN.has(part));
}

/**
 * Compiles a (validated) reference into a reader. A missing property anywhere on
 * the path reads as `undefined`, never throws; only own properties are read, so
 * `subject.attributes.toString` is missing, not a function. Dates read as epoch
 * milliseconds so they compare with numbers (and with `environment.now`).
 */
export function compileReference(ref: string): Resolver {
  if (ref === "action") return (scope) => scope.action;
  if (ref === "environment.now") return (scope) => scope.now;
  const [root, ...path] = ref.split(".") as ["subject" | "resource" | "environment", ...string[]];
  if (root === "subject" && (path[0] === "roleIds" || path[0] === "grants")) {
    const field = path[0];
    const rest = path.slice(1);
    return (scope) => normalize(walk(scope[field], rest));
  }
  return (scope) => normalize(walk(scope[root], path));
}

function walk(start: unknown, path: readonly string[]): unknown {
  let value = start;
  for (let i = 0; i < path.length; i++) {
    if (value === null || typeof value !== "object") return undefined;
    const key = path[i]!;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function normalize(value: unknown): unknown {
  return value instanceof Date ? value.getTime() : value;
}
