/** Shared by the provider tests: PKCE pairs and a failure assertion that also looks for leaked secrets. */
import { expect } from "vitest";
import { OAuthError, type OAuthFailureReason } from "../../../src/oauth/providers/index.js";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomToken(32);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

/**
 * Awaits a failure and checks it is an `oauth_failed` OAuthError with this reason, whose message,
 * detail, name and stack contain none of `secrets` (client secret, code, verifier, tokens), and
 * which keeps no `cause` (loggers print causes).
 */
export async function expectFailure(promise: Promise<unknown>, reason: OAuthFailureReason, secrets: readonly string[] = []): Promise<OAuthError> {
  const error: unknown = await promise.then(
    () => {
      throw new Error(`expected an OAuthError (${reason}), got success`);
    },
    (caught: unknown) => caught,
  );
  expect(error, String(error)).toBeInstanceOf(OAuthError);
  const failure = error as OAuthError;
  expect(failure.code).toBe("oauth_failed");
  expect(failure.status).toBe(400);
  expect(failure.detail?.reason, failure.message).toBe(reason);
  expect(failure.reason).toBe(reason);
  expect(failure.cause).toBeUndefined();
  expectNoSecrets(failure, secrets);
  return failure;
}

export function expectNoSecrets(error: Error & { detail?: unknown }, secrets: readonly string[]): void {
  const visible = JSON.stringify({ name: error.name, message: error.message, detail: error.detail, stack: error.stack });
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    expect(visible.includes(secret), `error exposes a secret: ${error.message}`).toBe(false);
  }
}
