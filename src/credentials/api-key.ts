/**
 * API keys as principals: `pk_<env>_<lookup>_<secret>`. The lookup id (8 random bytes,
 * base64url) is public and indexed; the secret (32 random bytes, base64url) is shown once
 * and stored only as its SHA-256. Edge-safe: Web Crypto and the shared encoders only.
 */
import { isValidPattern } from "../authz/permission.js";
import type { ApiKeyReader } from "../core/read-path.js";
import type { Clock, Random } from "../ports/request.js";
import { fromBase64Url, sha256Base64Url, timingSafeEqual, toBase64Url, utf8 } from "../core/encoding.js";
import { AuthError } from "../core/errors.js";
import type { ApiKeyRecord, ApiKeyStore } from "../ports/api-key-store.js";
import type { ApiKeyPrincipal } from "../ports/principal.js";

export type ApiKeyEnv = "live" | "test";

export interface ParsedApiKey {
  env: ApiKeyEnv;
  lookupId: string;
  secret: string;
  /** `pk_<env>_<lookup>`: the public part. */
  prefix: string;
}

/** 11 base64url characters = 8 bytes; 43 = 32 bytes. Both parts may contain `_` and `-`. */
const KEY_SHAPE = /^pk_(live|test)_([A-Za-z0-9_-]{11})_([A-Za-z0-9_-]{43})$/;

/**
 * Does this bearer value claim to be an API key? Only the `pk_live_` / `pk_test_` prefix is
 * looked at; a claimed key that then fails to parse is rejected, never retried as a session.
 * (An opaque session token starts with either prefix with probability 2^-47.)
 */
export function claimsApiKey(token: string): boolean {
  return token.startsWith("pk_live_") || token.startsWith("pk_test_");
}

/** The parts of a well-formed key, or null. Canonical base64url only; no I/O, no crypto. */
export function parseApiKey(key: string): ParsedApiKey | null {
  const match = KEY_SHAPE.exec(key);
  if (match === null) return null;
  const [, env, lookupId, secret] = match as unknown as [string, ApiKeyEnv, string, string];
  try {
    if (fromBase64Url(lookupId).length !== 8 || fromBase64Url(secret).length !== 32) return null;
  } catch {
    return null;
  }
  return { env, lookupId, secret, prefix: `pk_${env}_${lookupId}` };
}

export interface IssueApiKeyInput {
  ownerId: string;
  tenantId: string | null;
  name: string;
  /** Permission patterns (`doc:read`, `doc:*`); every one must be valid. May be empty (nothing allowed). */
  scopes: readonly string[];
  /** Lifetime in seconds; omitted means the key does not expire. */
  expiresIn?: number;
  env: ApiKeyEnv;
}

export interface IssuedApiKey {
  /** The full key: show it once, it cannot be recovered. */
  key: string;
  record: ApiKeyRecord;
}

/**
 * Creates a key and stores its record (never the secret). Invalid input throws
 * `AuthError("invalid_request")`; a failing store throws `StorageError`.
 */
export async function issueApiKey(
  store: ApiKeyStore,
  input: IssueApiKeyInput,
  deps: { clock: Clock; random: Random },
): Promise<IssuedApiKey> {
  if (typeof input.ownerId !== "string" || input.ownerId === "") throw invalid("ownerId is required");
  if (typeof input.name !== "string" || input.name.trim() === "") throw invalid("name is required");
  if (input.env !== "live" && input.env !== "test") throw invalid('env must be "live" or "test"');
  if (!Array.isArray(input.scopes)) throw invalid("scopes must be an array");
  for (const scope of input.scopes) if (!isValidPattern(scope)) throw invalid(`invalid scope: ${String(scope)}`);
  if (input.expiresIn !== undefined && (!Number.isInteger(input.expiresIn) || input.expiresIn <= 0)) {
    throw invalid("expiresIn must be a positive number of seconds");
  }
  const lookupId = toBase64Url(deps.random.bytes(8));
  const secret = toBase64Url(deps.random.bytes(32));
  const prefix = `pk_${input.env}_${lookupId}`;
  const now = deps.clock.now();
  const record: ApiKeyRecord = {
    id: lookupId,
    ownerId: input.ownerId,
    tenantId: input.tenantId ?? null,
    name: input.name,
    prefix,
    secretHash: await sha256Base64Url(secret),
    scopes: [...input.scopes],
    createdAt: now,
    expiresAt: input.expiresIn === undefined ? null : new Date(now.getTime() + input.expiresIn * 1000),
    revokedAt: null,
    lastUsedAt: null,
  };
  await store.create(record);
  return { key: `${prefix}_${secret}`, record };
}

/**
 * The live record for a presented key, or null (malformed, unknown, wrong secret, revoked,
 * expired). A malformed key costs no store read; a well-formed one costs one read and one
 * SHA-256. Throws only `StorageError`.
 */
export async function verifyApiKey(store: ApiKeyStore, key: string, clock: Clock): Promise<ApiKeyRecord | null> {
  const parsed = parseApiKey(key);
  if (parsed === null) return null;
  const record = await store.findByLookup(parsed.lookupId);
  if (record === null) return null;
  const hash = await sha256Base64Url(parsed.secret);
  const secretOk = timingSafeEqual(utf8(hash), utf8(record.secretHash));
  if (!secretOk || record.prefix !== parsed.prefix) return null;
  const now = clock.now().getTime();
  if (record.revokedAt !== null && record.revokedAt.getTime() <= now) return null;
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now) return null;
  return record;
}

export function apiKeyPrincipal(record: ApiKeyRecord): ApiKeyPrincipal {
  return { type: "api_key", id: record.id, ownerId: record.ownerId, tenantId: record.tenantId, name: record.name, scopes: [...record.scopes] };
}

/** What the read path uses to accept `pk_...` keys from `store`. */
export function apiKeyReader(store: ApiKeyStore): ApiKeyReader {
  return {
    claims: claimsApiKey,
    async verify(key, clock) {
      const record = await verifyApiKey(store, key, clock);
      return record === null ? null : { record, principal: apiKeyPrincipal(record) };
    },
  };
}

function invalid(message: string): AuthError {
  return new AuthError("invalid_request", message);
}
