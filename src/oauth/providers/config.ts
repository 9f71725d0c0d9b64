import { ConfigurationError } from "../../core/errors.js";

const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;

/** The id is a route segment and a credential namespace (port contract): refuse anything else at start-up. */
export function checkProviderId(id: unknown): string {
  if (typeof id !== "string" || !PROVIDER_ID.test(id)) {
    throw new ConfigurationError(`OAuth provider id must match [a-z0-9-]{1,32}, got ${JSON.stringify(id)}`);
  }
  return id;
}

/** Names the option, never echoes the value: it may be a secret. */
export function requireText(provider: string, name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigurationError(`OAuth provider "${provider}": ${name} is required`);
  }
  return value;
}

export function positiveNumber(provider: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(`OAuth provider "${provider}": ${name} must be a finite number >= 0`);
  }
  return value;
}

/** Scope tokens (RFC 6749 3.3): printable ASCII without space, quote or backslash. */
export function checkScopes(provider: string, scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new ConfigurationError(`OAuth provider "${provider}": scopes must be a non-empty list`);
  for (const scope of scopes) {
    if (typeof scope !== "string" || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new ConfigurationError(`OAuth provider "${provider}": invalid scope ${JSON.stringify(scope)}`);
    }
  }
  return [...new Set(scopes)];
}
