import * as v from "valibot";
import { isValidPattern } from "../authz/permission.js";
import { AuthError } from "../core/errors.js";

/** Principal, tenant and key ids: opaque, bounded, printable. */
export const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"));
/** Role and grant ids, the authz grammar for ids (src/authz/validate.ts). */
export const RuleId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1 to 128 of A-Z a-z 0-9 _ . : -"));
/** Absent: the caller's tenant; null: outside any tenant. */
export const TenantField = v.optional(v.nullable(Id));
export const Pattern = v.pipe(
  v.string(),
  v.check((text: string) => isValidPattern(text), "must be resource:action, resource:*, *:action or * (whole segments of A-Z a-z 0-9 _ - ., at most 64 each)"),
);
export const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200));

/**
 * Query parameters validated like a body: a strict schema over single-valued parameters.
 * A repeated parameter is refused (which of two `ownerId`s would win is a classic confusion).
 */
export function readQuery<S extends v.GenericSchema>(url: URL, schema: S): v.InferOutput<S> {
  const data: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(data, name)) throw new AuthError("invalid_request", `${name}: given more than once`, { detail: { field: name } });
    data[name] = value;
  }
  const result = v.safeParse(schema, data);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? undefined;
  throw new AuthError("invalid_request", field === undefined ? issue.message : `${field}: ${issue.message}`, {
    detail: field === undefined ? undefined : { field },
  });
}
