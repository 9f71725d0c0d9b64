import * as v from "valibot";
import { ConfigurationError } from "../core/errors.js";
import { rawShapeProblem } from "./condition-schema.js";
import { isValidPattern } from "./permission.js";

/**
 * Configuration-time validation: a bounded structural guard first (so a hostile or
 * cyclic document cannot make validation itself expensive), then the valibot schema.
 * Any problem is one `ConfigurationError` naming every failing path.
 */
export function parseConfig<T>(schema: v.GenericSchema<unknown, T>, value: unknown, where: string): T {
  const problem = rawShapeProblem(value);
  if (problem !== null) throw new ConfigurationError(`${where}: ${problem}`);
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const lines = result.issues.slice(0, 10).map((issue) => {
    const path = v.getDotPath(issue);
    return `${path === null ? where : `${where}.${path}`}: ${issue.message}`;
  });
  throw new ConfigurationError(lines.join("; "));
}

/** A permission pattern in a configuration document (role permissions, policy actions). */
export const PatternSchema = v.pipe(
  v.string(),
  v.check((text: string) => isValidPattern(text), "must be resource:action, resource:*, *:action or * (whole segments of A-Z a-z 0-9 _ - ., at most 64 each)"),
);

/** Role and policy ids: they appear in decisions and audit events. */
export const IdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1 to 128 of A-Z a-z 0-9 _ . : -"));
