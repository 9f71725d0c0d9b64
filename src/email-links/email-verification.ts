import * as v from "valibot";
import type { RequestContext } from "../core/context.js";
import { sha256Base64Url } from "../core/encoding.js";
import { AuthError, ConfigurationError } from "../core/errors.js";
import { isFormEncoded, readJson } from "../core/http/body.js";
import { json } from "../core/http/respond.js";
import { definePlugin, type Plugin, type UserEvent } from "../core/plugins.js";
import { normalizeEmail } from "../core/email.js";
import { signUpConflictMessage, verifyEmailMessage } from "../mail/messages.js";
import type { Mailer } from "../ports/mailer.js";
import type { User } from "../ports/user-store.js";
import { requirePublicOrigin } from "../core/http/public-origin.js";
import { safeReturnPath } from "../core/http/return-path.js";
import { checkAppName, checkMailer, checkMinResponseMs, checkTtl, refuseMovedOrigin, type EmailLinkRequirements } from "./options.js";
import { confirmPage, errorPage, invalidLinkPage } from "./pages.js";
import { readTokenSubmission } from "./submission.js";
import { answerNoSoonerThan } from "./timing.js";
import { emailLink, isWellFormedToken, issueEmailLinkToken, redeemEmailLinkToken } from "./tokens.js";

export interface EmailVerificationOptions {
  mailer: Mailer;
  /** How long a link works: 60..86400 s, default 600 (10 minutes). */
  ttlSeconds?: number;
  /** Shown in the mail; default the host of `settings.publicOrigin`. */
  appName?: string;
  /** Linked from the sign-up conflict notice, on `settings.publicOrigin`; default `${publicOrigin}/`. */
  signInUrl?: string;
  /** Floor for the anonymous `POST /verify-email/request {email}` answer (default 500 ms, 0 off). */
  minResponseMs?: number;
}

/** At most one conflict notice per address per hour: a stranger cannot flood an owner's inbox through sign-up. */
const NOTICE_INTERVAL_SECONDS = 3600;

const RequestBody = v.object({
  email: v.optional(v.pipe(v.string(), v.maxLength(320))),
  return: v.optional(v.string()),
});

/**
 * Email verification by link, and the owner notice `requireVerifiedEmail` relies on.
 *
 *   on sign-up (unverified)            -> a verification link to the new address
 *   on a sign-up with a taken address  -> a notice to its owner (no token, at most one an hour)
 *   POST /verify-email/request         -> 202; signed in: a new link for the session's address
 *                                         ({sent:false} when already verified); signed out with
 *                                         {email}: {sent:true} whatever the address, a link only
 *                                         to an unverified account (how someone whose link expired
 *                                         gets a new one when unverified accounts cannot sign in)
 *   GET  /verify-email?token=          -> a page with one button (a POST form)
 *   POST /verify-email                 -> form: 303 to the return path; JSON {token}: 200 {user}
 *
 * A link verifies only while the account still has the address it was sent to. Verifying
 * does not sign in.
 */
export function emailVerification(options: EmailVerificationOptions): Plugin<EmailLinkRequirements> {
  const plugin = "emailVerification";
  const mailer = checkMailer(plugin, options?.mailer);
  refuseMovedOrigin(plugin, options);
  const ttlSeconds = checkTtl(plugin, options.ttlSeconds);
  const namedApp = checkAppName(plugin, options.appName);
  const minResponseMs = checkMinResponseMs(plugin, options.minResponseMs);

  return definePlugin({
    id: "email-verification",
    requires: { users: "any", singleUse: "atomic" },
    setup(ports, host) {
      const origin = requirePublicOrigin(host.settings.publicOrigin, plugin, "links in mail are");
      const appName = namedApp ?? new URL(origin).host;
      const signInUrl = options.signInUrl === undefined ? `${origin}/` : checkSignInUrl(options.signInUrl, origin);
      const basePath = host.settings.basePath;

      /** Stores a token and mails the link; audited before the mail leaves. Throws when the mail fails. */
      async function sendLink(ctx: RequestContext, user: User, returnPath: string, trigger: string): Promise<void> {
        const token = await issueEmailLinkToken(ports.singleUse, {
          purpose: "verify_email",
          email: user.email,
          userId: user.id,
          returnPath,
          ttlSeconds,
          clock: ctx.clock,
          random: ctx.random,
        });
        await host.audit({ type: "email_verification.requested", outcome: "success", reason: "issued", userId: user.id, detail: { trigger } }, ctx);
        const link = emailLink(origin, basePath, "/verify-email", token);
        try {
          await mailer.send(verifyEmailMessage({ to: user.email, link, appName, expiresInMinutes: ttlSeconds / 60 }));
        } catch (error) {
          await host.audit({ type: "email_verification.requested", outcome: "failure", reason: "mail_failed", userId: user.id, detail: { trigger } }, ctx).catch(() => undefined);
          throw error;
        }
      }

      async function onUserEvent(event: UserEvent, ctx: RequestContext): Promise<void> {
        if (event.type === "signed_up") {
          if (event.user.emailVerified || event.user.kind !== "user") return;
          await sendLink(ctx, event.user, "/", "sign_up");
          return;
        }
        // No token in the notice: it tells the owner, it grants nothing. The mark is keyed by
        // the address's hash, so the store holds no address.
        const first = await ports.singleUse.claim(`sign_up_conflict:${await sha256Base64Url(event.email)}`, NOTICE_INTERVAL_SECONDS);
        if (!first) return;
        await host.audit({ type: "email_verification.conflict_notice", outcome: "success", reason: "sent" }, ctx);
        await mailer.send(signUpConflictMessage({ to: event.email, appName, signInUrl }));
      }

      /** Signed out: one answer for every address; a link only to an unverified account. */
      async function requestAnonymously(ctx: RequestContext, email: string, returnPath: string): Promise<Response> {
        const found = await ports.users.findByEmail(email);
        const user = found !== null && found.kind === "user" && !found.emailVerified ? found : null;
        if (user === null) {
          // Same store write as a real link (never mailed), so latency and failures match.
          await issueEmailLinkToken(ports.singleUse, { purpose: "verify_email", email, userId: null, returnPath, ttlSeconds, clock: ctx.clock, random: ctx.random });
          await host.audit({ type: "email_verification.requested", outcome: "success", reason: "not_sent", detail: { trigger: "request" } }, ctx);
        } else {
          // A mail failure stays 202: a 503 here would say "this address has an unverified account".
          await sendLink(ctx, user, returnPath, "request").catch((error: unknown) => {
            if (error instanceof AuthError) throw error;
          });
        }
        return json(202, { sent: true });
      }

      return {
        onUserEvent,
        routes: [
          {
            method: "POST",
            path: "/verify-email/request",
            async handle(ctx) {
              const started = Date.now();
              const hasBody = ctx.request.headers.has("content-type");
              const body = hasBody ? await readJson(ctx.request, RequestBody, host.settings.bodyLimit) : {};
              const returnPath = safeReturnPath(body.return, origin);
              const result = await host.authenticate(ctx);
              if (result.authenticated && result.source !== "api_key") {
                // The caller's own account: nothing to hide, so a mail failure is a 503 to retry.
                const user = await ports.users.findById(result.principal.id);
                if (user === null) throw new AuthError("unauthenticated", "no valid session");
                if (user.emailVerified) return json(202, { sent: false });
                try {
                  await sendLink(ctx, user, returnPath, "request");
                } catch (error) {
                  if (error instanceof AuthError) throw error;
                  throw new AuthError("storage_unavailable", "the email could not be sent; try again");
                }
                return json(202, { sent: true });
              }
              if (body.email === undefined) throw new AuthError("unauthenticated", "sign in, or send the address to verify");
              const email = normalizeEmail(body.email);
              try {
                return await requestAnonymously(ctx, email, returnPath);
              } finally {
                await answerNoSoonerThan(started, minResponseMs);
              }
            },
          },
          {
            method: "GET",
            path: "/verify-email",
            async handle(ctx) {
              const token = ctx.url.searchParams.get("token");
              if (!isWellFormedToken(token)) return invalidLinkPage();
              return confirmPage({
                title: "Verify your email address",
                text: `Select the button to confirm this address for ${appName}. The link works once.`,
                action: `${basePath}/verify-email`,
                token,
                button: "Verify email address",
              });
            },
          },
          {
            method: "POST",
            path: "/verify-email",
            async handle(ctx) {
              const form = isFormEncoded(ctx.request);
              try {
                return await redeem(ctx);
              } catch (error) {
                if (form) return errorPage(error);
                throw error;
              }
            },
          },
        ],
      };

      async function redeem(ctx: RequestContext): Promise<Response> {
        const submission = await readTokenSubmission(ctx.request, host.settings.bodyLimit);
        const record = await redeemEmailLinkToken(ports.singleUse, "verify_email", submission.token, ctx.clock);
        const user = record === null || record.userId === null ? null : await ports.users.findById(record.userId);
        // The address must still be the account's: a link mailed to an old address must not
        // verify the new one.
        if (record === null || user === null || user.email !== record.email) {
          await host.audit({ type: "email_verification.redeemed", outcome: "failure", reason: "invalid_token", userId: user?.id ?? null }, ctx);
          throw new AuthError("invalid_token", "the link is invalid, used or expired");
        }
        let verified = user;
        if (!user.emailVerified) {
          const updated = await ports.users.update(user.id, { emailVerified: true, updatedAt: ctx.clock.now() });
          if (updated === null) throw new AuthError("invalid_token", "the link is invalid, used or expired");
          verified = updated;
        }
        try {
          await host.audit({ type: "email_verification.redeemed", outcome: "success", reason: user.emailVerified ? "already_verified" : "ok", userId: user.id }, ctx);
        } catch (error) {
          // Audit by construction: no verification the trail does not know of.
          if (!user.emailVerified) await ports.users.update(user.id, { emailVerified: false, updatedAt: ctx.clock.now() }).catch(() => undefined);
          throw error;
        }
        if (submission.form) {
          return new Response(null, { status: 303, headers: { location: safeReturnPath(record.returnPath, origin), "cache-control": "no-store" } });
        }
        return json(200, { user: { id: verified.id, email: verified.email, emailVerified: verified.emailVerified, name: verified.name } });
      }
    },
  });
}

function checkSignInUrl(value: unknown, origin: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
      throw invalidSignInUrl();
  }
  if (url.origin !== origin || url.username !== "" || url.password !== "") throw invalidSignInUrl();
  return url.href;
}

function invalidSignInUrl(): ConfigurationError {
  return new ConfigurationError("emailVerification: signInUrl must be an absolute URL on settings.publicOrigin");
}
