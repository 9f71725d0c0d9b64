import type { ParsedAction, PermissionPattern } from "./permission.js";

/**
 * Patterns precompiled at configuration time into four buckets, so finding every
 * entry whose pattern matches an action costs four hash lookups, however many
 * roles or policies there are: exact permissions, `resource:*`, `*:action`, `*`.
 */
export interface PermissionIndex<T> {
  /**
   * Appends every entry whose pattern matches to `out`, exact first, `*` last. An
   * out-array rather than a callback: no closure per call on the hot path.
   */
  collect(target: ParsedAction, out: T[]): void;
  readonly size: number;
}

export function buildPermissionIndex<T>(entries: Iterable<{ pattern: PermissionPattern; value: T }>): PermissionIndex<T> {
  const exact = new Map<string, T[]>();
  const byResource = new Map<string, T[]>();
  const byAction = new Map<string, T[]>();
  const any: T[] = [];
  let size = 0;
  const add = (map: Map<string, T[]>, key: string, value: T): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [value]);
    else list.push(value);
  };
  for (const { pattern, value } of entries) {
    size++;
    switch (pattern.kind) {
      case "any":
        any.push(value);
        break;
      case "exact":
        add(exact, pattern.permission, value);
        break;
      case "resource":
        add(byResource, pattern.resource, value);
        break;
      case "action":
        add(byAction, pattern.action, value);
        break;
    }
  }
  // Skip the lookups that can never hit: most role sets have no `*:action` pattern at all.
  const hasResource = byResource.size > 0;
  const hasAction = byAction.size > 0;
  return {
    size,
    collect(target: ParsedAction, out: T[]): void {
      const a = exact.get(target.permission);
      if (a !== undefined) for (let i = 0; i < a.length; i++) out.push(a[i]!);
      if (hasResource) {
        const b = byResource.get(target.resource);
        if (b !== undefined) for (let i = 0; i < b.length; i++) out.push(b[i]!);
      }
      if (hasAction) {
        const c = byAction.get(target.action);
        if (c !== undefined) for (let i = 0; i < c.length; i++) out.push(c[i]!);
      }
      for (let i = 0; i < any.length; i++) out.push(any[i]!);
    },
  };
}
