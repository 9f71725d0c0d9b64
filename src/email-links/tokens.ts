import * as v from "valibot";
import type { Clock, Random } from "../core/context.js";
import { sha256Base64Url, toBase64Url } from "../core/encoding.js";
import type { SingleUseStore } from "../ports/single-use-store.js";

/**
 * Email-link tokens: 32 random bytes (256 bits), base64url, shown only in the mail. The store
 * keeps `<purpose>:<SHA-256 of the token>` -> record, so a store dump holds no usable link, and
 * the purpose is part of the key: a verification token looked up as a magic link finds nothing
 * (and is not consumed by the wrong route).
 */
export type EmailLinkPurpose = "magic_link" | "verify_email";

export interface EmailLinkRecord {
  purpose: EmailLinkPurpose;
  /** Normalised address the link was mailed to. */
  email: string;
  /** The account it was issued for; null for a magic link to an address with no account yet. */
  userId: string | null;
  /** Same-origin path (already through `safeReturnPath`) to land on after a form redemption. */
  returnPath: string;
  /** ISO 8601; checked against the injected clock, whatever the store's own TTL does. */
  expiresAt: string;
}

const TOKEN_BYTES = 32;
/** 32 bytes in unpadded base64url. Anything else is refused before a hash or a store call. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const RecordSchema = v.object({
  purpose: v.picklist(["magic_link", "verify_email"]),
  email: v.string(),
  userId: v.nullable(v.string()),
  returnPath: v.string(),
  expiresAt: v.string(),
});

export function isWellFormedToken(token: unknown): token is string {
  return typeof token === "string" && TOKEN_SHAPE.test(token);
}

export async function tokenKey(purpose: EmailLinkPurpose, token: string): Promise<string> {
  return `${purpose}:${await sha256Base64Url(token)}`;
}

export interface IssueInput {
  purpose: EmailLinkPurpose;
  email: string;
  userId: string | null;
  returnPath: string;
  ttlSeconds: number;
  clock: Clock;
  random: Random;
}

/** Stores the record under the token's hash and returns the token, which exists nowhere else. */
export async function issueEmailLinkToken(store: SingleUseStore, input: IssueInput): Promise<string> {
  const token = toBase64Url(input.random.bytes(TOKEN_BYTES));
  const record: EmailLinkRecord = {
    purpose: input.purpose,
    email: input.email,
    userId: input.userId,
    returnPath: input.returnPath,
    expiresAt: new Date(input.clock.now().getTime() + input.ttlSeconds * 1000).toISOString(),
  };
  await store.put(await tokenKey(input.purpose, token), JSON.stringify(record), input.ttlSeconds);
  return token;
}

/**
 * Consumes the token (one atomic step: of any number of concurrent redemptions exactly one gets
 * the record) and checks it: right purpose, not expired. Null for anything else, including a
 * malformed token (no store call) and a record that does not parse. Store failures propagate
 * (`StorageError`, 503). Whether the account still has the address is the caller's check.
 */
export async function redeemEmailLinkToken(store: SingleUseStore, purpose: EmailLinkPurpose, token: unknown, clock: Clock): Promise<EmailLinkRecord | null> {
  if (!isWellFormedToken(token)) return null;
  const raw = await store.consume(await tokenKey(purpose, token));
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = v.safeParse(RecordSchema, parsed);
  if (!result.success) return null;
  const record = result.output;
  if (record.purpose !== purpose) return null;
  const expiresAt = Date.parse(record.expiresAt);
  // Expired at the instant itself: a 600 s link works for 599.999 s.
  if (!Number.isFinite(expiresAt) || clock.now().getTime() >= expiresAt) return null;
  return record;
}

/** The link mailed to the user: the configured origin (never the Host header), the base path, the route. */
export function emailLink(origin: string, basePath: string, route: string, token: string): string {
  return `${origin}${basePath}${route}?token=${token}`;
}
