import * as v from "valibot";
import type { RequestContext } from "../core/context.js";
import { toBase64Url } from "../core/encoding.js";
import { AuthError, ConfigurationError, ConflictError } from "../core/errors.js";
import { isFormEncoded, readJson } from "../core/http/body.js";
import { json } from "../core/http/respond.js";
import { definePlugin, type Plugin, type PluginHost } from "../core/plugins.js";
import { normalizeEmail } from "../core/email.js";
import { magicLinkMessage } from "../mail/messages.js";
import type { Credential, CredentialStore } from "../ports/credential-store.js";
import type { Mailer } from "../ports/mailer.js";
import type { SessionStore } from "../ports/session-store.js";
import type { User, UserStore } from "../ports/user-store.js";
import type { SingleUseStore } from "../ports/single-use-store.js";
import { requirePublicOrigin } from "../core/http/public-origin.js";
import { safeReturnPath } from "../core/http/return-path.js";
import { checkAppName, checkMailer, checkMinResponseMs, checkTtl, refuseMovedOrigin, type EmailLinkRequirements } from "./options.js";
import { confirmPage, errorPage, invalidLinkPage } from "./pages.js";
import { readTokenSubmission } from "./submission.js";
import { answerNoSoonerThan } from "./timing.js";
import { emailLink, isWellFormedToken, issueEmailLinkToken, redeemEmailLinkToken, type EmailLinkRecord } from "./tokens.js";

export interface MagicLinkOptions {
  /** `devMailer()` in development, `httpMailer({...})` or your own `Mailer` in production. */
  mailer: Mailer;
  /** How long a link works: 60..86400 s, default 600 (10 minutes, NIST 800-63B's out-of-band limit). */
  ttlSeconds?: number;
  /**
   * A link to an address with no account creates the account (verified) when redeemed.
   * Default false: nothing is mailed to unknown addresses.
   */
  allowSignUp?: boolean;
  /** Shown in the mail; default the host of `settings.publicOrigin`. */
  appName?: string;
  /**
   * `POST /magic-link` answers no sooner than this many ms after it started (default 500, 0
   * turns it off), so an address that gets a mail and one that does not answer alike as long
   * as the mail API is faster than this.
   */
  minResponseMs?: number;
}

/**
 * The `amr` value of a magic-link session. Not in the RFC 8176 registry (which has no
 * email method); deliberately neither "pwd" nor "otp", so a relying party that asks for a
 * stronger method does not mistake inbox control for one.
 */
export const MAGIC_LINK_AMR = "email";

const RequestBody = v.object({
  email: v.pipe(v.string(), v.maxLength(320)),
  return: v.optional(v.string()),
});

/**
 * Passwordless sign-in by email.
 *
 *   POST /magic-link {email, return?}  -> 202 {sent:true}, whatever the address
 *   GET  /magic-link?token=            -> a page with one button (a POST form): prefetching does nothing
 *   POST /magic-link/verify            -> form: 303 to the return path with the session cookie;
 *                                         JSON {token, transport?}: the session, like /sign-in
 *
 * The link proves control of the inbox, so redeeming it also marks the address verified. The
 * session goes through the sign-in pipeline (`host.signIn`): risk, challenges and the audit
 * event apply as for a password, with `amr: ["email"]` and method "magic_link".
 */
export function magicLink(options: MagicLinkOptions): Plugin<MagicLinkRequirements> {
  const plugin = "magicLink";
  const mailer = checkMailer(plugin, options?.mailer);
  refuseMovedOrigin(plugin, options);
  const ttlSeconds = checkTtl(plugin, options.ttlSeconds);
  const allowSignUp = options.allowSignUp ?? false;
  if (typeof allowSignUp !== "boolean") throw new ConfigurationError("magicLink: allowSignUp must be a boolean");
  const namedApp = checkAppName(plugin, options.appName);
  const minResponseMs = checkMinResponseMs(plugin, options.minResponseMs);

  return definePlugin({
    id: "magic-link",
    requires: { users: "any", credentials: "any", sessions: "any", singleUse: "atomic" },
    setup(ports, host) {
      const origin = requirePublicOrigin(host.settings.publicOrigin, plugin, "links in mail are");
      const appName = namedApp ?? new URL(origin).host;
      const basePath = host.settings.basePath;
      const deps: Deps = { users: ports.users, credentials: ports.credentials, sessions: ports.sessions, singleUse: ports.singleUse, host, origin, allowSignUp };
      return {
        routes: [
          {
            method: "POST",
            path: "/magic-link",
            async handle(ctx) {
              const started = Date.now();
              const body = await readJson(ctx.request, RequestBody, host.settings.bodyLimit);
              const email = normalizeEmail(body.email);
              const returnPath = safeReturnPath(body.return, origin);
              try {
                return await requestLink(ctx, email, returnPath);
              } finally {
                // Errors wait too: a store failure must not answer faster for one kind of address.
                await answerNoSoonerThan(started, minResponseMs);
              }
            },
          },
          {
            method: "GET",
            path: "/magic-link",
            async handle(ctx) {
              const token = ctx.url.searchParams.get("token");
              if (!isWellFormedToken(token)) return invalidLinkPage();
              return confirmPage({
                title: `Sign in to ${appName}`,
                text: "Select the button to finish signing in. The link works once.",
                action: `${basePath}/magic-link/verify`,
                token,
                button: "Sign in",
              });
            },
          },
          {
            method: "POST",
            path: "/magic-link/verify",
            async handle(ctx) {
              const form = isFormEncoded(ctx.request);
              try {
                return await redeem(deps, ctx);
              } catch (error) {
                if (form) return errorPage(error);
                throw error;
              }
            },
          },
        ],
      };

      async function requestLink(ctx: RequestContext, email: string, returnPath: string): Promise<Response> {
        const found = await ports.users.findByEmail(email);
        // Service accounts never sign in; .invalid addresses can receive nothing.
        const user = found !== null && found.kind === "user" ? found : null;
        const deliver = user !== null || (allowSignUp && !email.endsWith(".invalid"));
        // Every address gets a token stored, mailed or not, so the store's latency and its
        // failures (503) are the same for an address with an account and one without. An
        // unmailed token is never seen by anyone and expires.
        const token = await issueEmailLinkToken(ports.singleUse, {
          purpose: "magic_link",
          email,
          userId: user?.id ?? null,
          returnPath,
          ttlSeconds,
          clock: ctx.clock,
          random: ctx.random,
        });
        const reason = user !== null ? "issued" : deliver ? "issued_for_sign_up" : "unknown_email";
        // Written before the mail leaves: no link exists that the trail does not know of.
        await host.audit({ type: "magic_link.requested", outcome: "success", reason, userId: user?.id ?? null }, ctx);
        if (deliver) {
          const link = emailLink(origin, basePath, "/magic-link", token);
          try {
            await mailer.send(magicLinkMessage({ to: email, link, appName, expiresInMinutes: ttlSeconds / 60 }));
          } catch {
            await host.audit({ type: "magic_link.requested", outcome: "failure", reason: "mail_failed", userId: user?.id ?? null }, ctx).catch(() => undefined);
            // With sign-up allowed every address is mailed, so "try again" reveals nothing.
            // Without it only account holders are, and a 503 would say "this address has an
            // account": the answer stays 202 and the trail records the failure.
            if (allowSignUp) throw new AuthError("storage_unavailable", "the email could not be sent; try again");
          }
        }
        return json(202, { sent: true });
      }
    },
  });
}

/** Besides the email-link stores: credentials and sessions, to evict a squatter (see `redeem`). */
export type MagicLinkRequirements = EmailLinkRequirements & { credentials: "any"; sessions: "any" };

interface Deps {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  singleUse: SingleUseStore;
  host: PluginHost;
  origin: string;
  allowSignUp: boolean;
}

function invalidToken(): AuthError {
  return new AuthError("invalid_token", "the link is invalid, used or expired");
}

async function redeem(deps: Deps, ctx: RequestContext): Promise<Response> {
  const { host } = deps;
  const submission = await readTokenSubmission(ctx.request, host.settings.bodyLimit);
  const failure = { type: "sign_in", detail: { method: "magic_link" } } as const;
  let record: EmailLinkRecord | null;
  try {
    // Consumed before anything else: of concurrent redemptions only one gets past here.
    record = await redeemEmailLinkToken(deps.singleUse, "magic_link", submission.token, ctx.clock);
  } catch (error) {
    await host.audit({ ...failure, outcome: "failure", reason: "storage_unavailable" }, ctx).catch(() => undefined);
    throw error;
  }
  if (record === null) {
    await host.audit({ ...failure, outcome: "failure", reason: "invalid_token" }, ctx);
    throw invalidToken();
  }
  const link = record;
  let created = false;
  let verifiedNow = false;
  let evicted: Credential[] = [];
  return host.signIn(
    {
      action: "sign_in",
      method: "magic_link",
      async verify() {
        const resolved = await resolveUser(deps, link, ctx);
        created = resolved.created;
        let user = resolved.user;
        if (!user.emailVerified) {
          // Redeeming the link proves control of the inbox.
          const updated = await deps.users.update(user.id, { emailVerified: true, updatedAt: ctx.clock.now() });
          if (updated === null) throw invalidToken();
          user = updated;
          try {
            await host.audit({ type: "email_verification.redeemed", outcome: "success", reason: "ok", userId: user.id, detail: { method: "magic_link" } }, ctx);
          } catch (error) {
            // The pipeline has no user yet, so it would not call undo: revert here.
            await deps.users.update(user.id, { emailVerified: false, updatedAt: ctx.clock.now() }).catch(() => undefined);
            throw error;
          }
          verifiedNow = true;
          // Account pre-hijacking: anyone could have registered this address with a password (or
          // linked a provider) before its owner showed up, and nothing proved they own the inbox.
          // The inbox owner is proven now, so whatever was set up before is dropped: credentials
          // and sessions. The owner signs in with links until they set a password.
          evicted = await deps.credentials.listByUser(user.id);
          for (const credential of evicted) await deps.credentials.remove(credential.id);
          await deps.sessions.deleteByUser(user.id);
          if (evicted.length > 0) {
            await host.audit({ type: "credentials_revoked", outcome: "success", reason: "unverified_account_claimed", userId: user.id, detail: { count: evicted.length } }, ctx);
          }
        }
        return { ok: true, user, amr: [MAGIC_LINK_AMR] };
      },
      // Called when a later stage refuses or the session's audit fails: nothing this link did
      // stays without its session.
      async undo(user: User) {
        if (created) await deps.users.delete(user.id);
        else if (verifiedNow) {
          for (const credential of evicted) await deps.credentials.add(credential).catch(() => undefined);
          await deps.users.update(user.id, { emailVerified: false, updatedAt: ctx.clock.now() });
        }
      },
    },
    ctx,
    submission.form ? { transport: "cookie", redirectTo: safeReturnPath(link.returnPath, deps.origin) } : { transport: submission.transport, status: 200 },
  );
}

/**
 * The account the link signs in to. A link issued for an account works only while that
 * account still has the address; a link issued for an unknown address (sign-up allowed)
 * signs in to whoever holds the address now, or creates the account.
 */
async function resolveUser(deps: Deps, record: EmailLinkRecord, ctx: RequestContext): Promise<{ user: User; created: boolean }> {
  if (record.userId !== null) {
    const user = await deps.users.findById(record.userId);
    if (user === null || user.kind !== "user" || user.email !== record.email) throw invalidToken();
    return { user, created: false };
  }
  if (!deps.allowSignUp) throw invalidToken();
  const existing = await deps.users.findByEmail(record.email);
  if (existing !== null) {
    if (existing.kind !== "user") throw invalidToken();
    return { user: existing, created: false };
  }
  let user: User;
  try {
    user = await deps.users.create(
      { id: toBase64Url(ctx.random.bytes(16)), kind: "user", email: record.email, emailVerified: true, name: null, createdAt: ctx.clock.now() },
      [],
    );
  } catch (error) {
    // Someone took the address between the lookup and the insert: sign in to that account.
    if (!(error instanceof ConflictError)) throw error;
    const winner = await deps.users.findByEmail(record.email);
    if (winner === null || winner.kind !== "user") throw invalidToken();
    return { user: winner, created: false };
  }
  try {
    await deps.host.audit({ type: "sign_up", outcome: "success", reason: "ok", userId: user.id, detail: { method: "magic_link" } }, ctx);
  } catch (error) {
    await deps.users.delete(user.id).catch(() => undefined);
    throw error;
  }
  return { user, created: true };
}
