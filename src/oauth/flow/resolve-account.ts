import type { RequestContext } from "../../core/context.js";
import { toBase64Url } from "../../core/encoding.js";
import { AuthError, ConflictError } from "../../core/errors.js";
import { normalizeEmail } from "../../core/email.js";
import type { NewCredential } from "../../ports/credential-store.js";
import type { OAuthProfile } from "../../ports/oauth-provider.js";
import type { User } from "../../ports/user-store.js";
import { OAUTH_CREDENTIAL_TYPE, oauthIdentifier, providerOfIdentifier } from "./credential.js";
import type { OAuthDeps } from "./deps.js";
import { oauthFailed } from "./failure.js";
import { CONTROL } from "../../core/http/return-path.js";

export interface ResolvedAccount {
  user: User;
  /** True when this callback created the account: the pipeline's undo removes it again. */
  created: boolean;
}

const MAX_SUBJECT = 255;
const MAX_NAME = 200;

/**
 * Who a provider sign-in is, in this order:
 * 1. a credential for (provider, subject) exists: its user;
 * 2. a local user has the provider's email: linked automatically only when both sides say the
 *    address is verified (otherwise an attacker who registers the victim's address, unverified, at
 *    either end would take over the other account), else `account_exists`;
 * 3. nobody: a new user with the credential, in one atomic write.
 */
export async function resolveSignIn(deps: OAuthDeps, providerId: string, profile: OAuthProfile, ctx: RequestContext): Promise<ResolvedAccount> {
  checkProfile(profile);
  const identifier = oauthIdentifier(providerId, profile.subject);
  const known = await userOfCredential(deps, identifier);
  if (known !== null) return { user: known, created: false };

  const email = providerEmail(profile);
  const local = await deps.ports.users.findByEmail(email);
  if (local !== null) return { user: await autoLink(deps, providerId, profile, local, ctx), created: false };

  const now = ctx.clock.now();
  const id = toBase64Url(ctx.random.bytes(16));
  const name = typeof profile.name === "string" ? profile.name.trim().slice(0, MAX_NAME) || null : null;
  let user: User;
  try {
    user = await deps.ports.users.create(
      { id, kind: "user", email, emailVerified: profile.emailVerified === true, name, createdAt: now },
      [newCredential(ctx, id, identifier)],
    );
  } catch (error) {
    // A concurrent callback for the same person won the race: use what it created, if it is
    // that (provider, subject); an email taken meanwhile gets the same answer as above.
    if (!(error instanceof ConflictError)) throw error;
    const winner = await userOfCredential(deps, identifier);
    if (winner !== null) return { user: winner, created: false };
    throw new AuthError("account_exists", "an account with this email exists: sign in and link the provider from there");
  }
  // An account came into being: record it like a password sign-up, or take it back (fail closed).
  try {
    await deps.host.audit({ type: "sign_up", outcome: "success", reason: "ok", userId: user.id, detail: { method: `oauth:${providerId}` } }, ctx);
  } catch (error) {
    await deps.ports.users.delete(user.id).catch(() => undefined);
    throw error;
  }
  // Listeners (the verification mail when the provider's address is unverified) hear of it like a password sign-up.
  await deps.host.emitUserEvent({ type: "signed_up", user }, ctx);
  return { user, created: true };
}

/** Adds (provider, subject) to the signed-in user; refuses a subject bound elsewhere or a second account of one provider. */
export async function linkToUser(deps: OAuthDeps, providerId: string, profile: OAuthProfile, userId: string, ctx: RequestContext): Promise<"linked" | "already_linked"> {
  checkProfile(profile);
  const identifier = oauthIdentifier(providerId, profile.subject);
  const existing = await deps.ports.credentials.findByIdentifier(OAUTH_CREDENTIAL_TYPE, identifier);
  if (existing !== null) {
    if (existing.userId === userId) return "already_linked";
    throw new AuthError("credential_taken", "this provider account is linked to another account", { detail: { reason: "linked_to_another_user" } });
  }
  await assertNoOtherSubject(deps, providerId, userId, "credential_taken");
  await addCredential(deps, newCredential(ctx, userId, identifier), ctx, providerId, "link");
  return "linked";
}

async function autoLink(deps: OAuthDeps, providerId: string, profile: OAuthProfile, local: User, ctx: RequestContext): Promise<User> {
  const refuse = (): AuthError => new AuthError("account_exists", "an account with this email exists: sign in and link the provider from there");
  // Both flags must be the literal true: a provider that sends "true" as a string or omits it does not verify.
  if (profile.emailVerified !== true || local.emailVerified !== true || local.kind !== "user") throw refuse();
  await assertNoOtherSubject(deps, providerId, local.id, "account_exists");
  await addCredential(deps, newCredential(ctx, local.id, oauthIdentifier(providerId, profile.subject)), ctx, providerId, "auto");
  return local;
}

/** One account per provider per user, so `unlink { provider }` always names exactly one credential. */
async function assertNoOtherSubject(deps: OAuthDeps, providerId: string, userId: string, code: "account_exists" | "credential_taken"): Promise<void> {
  const mine = await deps.ports.credentials.listByUser(userId, OAUTH_CREDENTIAL_TYPE);
  if (mine.some((credential) => providerOfIdentifier(credential.identifier) === providerId)) {
    throw new AuthError(code, "another account of this provider is already linked: unlink it first", { detail: { reason: "provider_already_linked" } });
  }
}

/** Adds the credential and audits `oauth_linked`; if the audit fails the link is taken back (fail closed). */
async function addCredential(deps: OAuthDeps, credential: NewCredential, ctx: RequestContext, providerId: string, how: "auto" | "link"): Promise<void> {
  try {
    await deps.ports.credentials.add(credential);
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new AuthError("credential_taken", "this provider account is linked to another account", { detail: { reason: "linked_to_another_user" } });
    }
    throw error;
  }
  try {
    await deps.host.audit({ type: "oauth_linked", outcome: "success", reason: "ok", userId: credential.userId, detail: { provider: providerId, how } }, ctx);
  } catch (error) {
    await deps.ports.credentials.remove(credential.id).catch(() => undefined);
    throw error;
  }
}

async function userOfCredential(deps: OAuthDeps, identifier: string): Promise<User | null> {
  const credential = await deps.ports.credentials.findByIdentifier(OAUTH_CREDENTIAL_TYPE, identifier);
  if (credential === null) return null;
  const user = await deps.ports.users.findById(credential.userId);
  if (user === null) throw oauthFailed("account_missing");
  return user;
}

function newCredential(ctx: RequestContext, userId: string, identifier: string): NewCredential {
  return { id: toBase64Url(ctx.random.bytes(16)), userId, type: OAUTH_CREDENTIAL_TYPE, identifier, secret: "", createdAt: ctx.clock.now() };
}

function checkProfile(profile: OAuthProfile): void {
  const subject: unknown = profile?.subject;
  // Control characters would let a subject forge log lines or identifiers.
  if (typeof subject !== "string" || subject.length === 0 || subject.length > MAX_SUBJECT || CONTROL.test(subject)) throw oauthFailed("invalid_profile");
}

/** The provider's address, normalised like every other; reserved or malformed ones cannot name an account. */
function providerEmail(profile: OAuthProfile): string {
  if (typeof profile.email !== "string" || profile.email === "") throw oauthFailed("email_unavailable", "the provider shared no email address");
  let email: string;
  try {
    email = normalizeEmail(profile.email);
  } catch {
    throw oauthFailed("email_invalid", "the provider's email address is not acceptable");
  }
  // RFC 2606 .invalid is where service accounts live; no person may take such an address.
  if (email.endsWith(".invalid")) throw oauthFailed("email_invalid", "the provider's email address is not acceptable");
  return email;
}
