import * as v from "valibot";
import { sha256Base64Url } from "../../core/encoding.js";

/** What a started flow remembers until its callback: everything that binds the callback to it. */
export interface FlowState {
  /** The provider the flow was started with: a callback arriving for another one is refused (mix-up). */
  provider: string;
  /** PKCE code verifier, handed to the token exchange only. */
  verifier: string;
  /** OIDC nonce; null for plain OAuth 2.0 providers. */
  nonce: string | null;
  /** SHA-256 (base64url) of the browser-binding cookie's secret; the secret itself is never stored. */
  binding: string;
  /** A same-origin path, already passed through `safeReturnPath`. */
  returnTo: string;
  intent: "sign_in" | "link";
  /** The signed-in user who asked to link; null for sign-in. */
  userId: string | null;
  /** Milliseconds since the epoch, from the injected clock. */
  createdAt: number;
}

const Schema = v.strictObject({
  v: v.literal(1),
  provider: v.string(),
  verifier: v.string(),
  nonce: v.nullable(v.string()),
  binding: v.string(),
  returnTo: v.string(),
  intent: v.picklist(["sign_in", "link"]),
  userId: v.nullable(v.string()),
  createdAt: v.number(),
});

/** `state` values we issue: 32 random bytes, base64url. Anything else is unknown without a store read. */
export const STATE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The store key is a hash of the state, never the state itself: whoever reads the store (or its
 * logs) cannot complete a flow, and the namespace keeps it apart from other single-use values.
 */
export async function stateKey(state: string): Promise<string> {
  return `oauth-state:${await sha256Base64Url(state)}`;
}

export function encodeState(state: FlowState): string {
  return JSON.stringify({ v: 1, ...state });
}

/** Null for anything that is not a record we wrote (a corrupted or foreign value is never trusted). */
export function decodeState(text: string): FlowState | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const result = v.safeParse(Schema, data);
  if (!result.success) return null;
  const { v: _version, ...state } = result.output;
  return state;
}

/** The store's TTL is a backstop; this check follows the injected clock and also refuses a createdAt in the future. */
export function isExpired(state: FlowState, now: Date, ttlSeconds: number): boolean {
  const age = now.getTime() - state.createdAt;
  return age < 0 || age >= ttlSeconds * 1000;
}
