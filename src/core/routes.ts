import * as v from "valibot";
import { checkPassword, normalizeEmail, normalizePassword } from "../credentials/password/policy.js";
import { passwordVerifier } from "../credentials/password-verifier.js";
import type { CredentialStore } from "../ports/credential-store.js";
import type { PasswordHasher } from "../ports/password-hasher.js";
import type { TokenStrategy } from "../ports/token-strategy.js";
import type { UserStore } from "../ports/user-store.js";
import { clearedCookie, type CookieOptions } from "../sessions/transport.js";
import type { Auditor } from "./audit.js";
import type { RequestContext } from "./context.js";
import { toBase64Url } from "./encoding.js";
import { AuthError } from "./errors.js";
import { readJson } from "./http/body.js";
import { errorResponse, json, noContent } from "./http/respond.js";
import type { Pipeline } from "./pipeline.js";
import type { PluginHost, PluginRoute } from "./plugins.js";
import type { AuthResult } from "./read-path.js";
import { publicSession, publicUser, sessionResponse, verificationRequired } from "./session-response.js";
import type { Settings } from "./settings.js";

const Transport = v.optional(v.picklist(["cookie", "bearer"]), "cookie");
const Email = v.pipe(v.string(), v.maxLength(320));
/** Length rules live in the password policy; this only bounds the type. */
const Password = v.string();

const SignUpBody = v.object({
  email: Email,
  password: Password,
  name: v.optional(v.nullable(v.pipe(v.string(), v.trim(), v.maxLength(200))), null),
  transport: Transport,
});

const SignInBody = v.object({ email: Email, password: Password, transport: Transport });

export interface RouteDeps {
  settings: Settings;
  users: UserStore;
  credentials: CredentialStore;
  hasher: PasswordHasher;
  decoy: (password: string) => Promise<boolean>;
  strategy: TokenStrategy;
  pipeline: Pipeline;
  audit: Auditor;
  authenticate: (ctx: RequestContext) => Promise<AuthResult>;
  cookie: CookieOptions;
  /** Tells plugins about sign-ups (verification mail); a failing listener never changes the answer. */
  emitUserEvent: PluginHost["emitUserEvent"];
}

export function coreRoutes(deps: RouteDeps): PluginRoute[] {
  const { settings } = deps;
  const verifier = passwordVerifier(deps);
  const policy = { minLength: settings.password.minLength, maxLength: settings.password.maxLength };

  const routes: PluginRoute[] = [
    {
      method: "POST",
      path: "/sign-up",
      async handle(ctx) {
        const body = await readJson(ctx.request, SignUpBody, settings.bodyLimit);
        const email = normalizeEmail(body.email);
        // RFC 2606 reserves .invalid: such an address can never be verified, and service
        // accounts' email-shaped identifiers live there, so no person may take one.
        if (email.endsWith(".invalid")) throw new AuthError("invalid_email", "this address cannot receive mail");
        const password = normalizePassword(body.password);
        checkPassword(password, policy);
        const run = deps.pipeline.run(
          {
            action: "sign_up",
            method: "password",
            verify: async () => {
              const secret = await deps.hasher.hash(password);
              const now = ctx.clock.now();
              const id = toBase64Url(ctx.random.bytes(16));
              const user = await deps.users.create(
                { id, kind: "user", email, emailVerified: false, name: body.name, createdAt: now },
                [{ id: toBase64Url(ctx.random.bytes(16)), userId: id, type: "password", identifier: null, secret, createdAt: now }],
              );
              return { ok: true, user, amr: ["pwd"] };
            },
            undo: (user) => deps.users.delete(user.id),
          },
          ctx,
        );
        let result: Awaited<typeof run>;
        try {
          result = await run;
        } catch (error) {
          // With verification required, a taken address answers exactly like a new one; its
          // owner can be told by mail (a listener) instead of the visitor by the response.
          if (!settings.requireVerifiedEmail || !(error instanceof AuthError) || error.code !== "email_taken") throw error;
          await deps.emitUserEvent({ type: "sign_up_conflict", email }, ctx);
          return verificationRequired();
        }
        await deps.emitUserEvent({ type: "signed_up", user: result.user }, ctx);
        return sessionResponse(deps.cookie, result, { transport: body.transport, status: 201 });
      },
    },
    {
      method: "POST",
      path: "/sign-in",
      async handle(ctx) {
        const body = await readJson(ctx.request, SignInBody, settings.bodyLimit);
        // Only the hard input cap applies here (inside normalizePassword), not the sign-up
        // policy: tightening the policy later must not lock out people whose passwords predate it.
        const password = normalizePassword(body.password);
        let email = "";
        try {
          email = normalizeEmail(body.email);
        } catch (error) {
          // A malformed email cannot match any account: answer exactly like a wrong
          // password, after the same work, so nothing is revealed.
          if (!(error instanceof AuthError)) throw error;
          await deps.decoy(password);
        }
        const result = await deps.pipeline.run(
          {
            action: "sign_in",
            method: "password",
            verify: () =>
              email === ""
                ? Promise.resolve({ ok: false as const, reason: "invalid_credentials" as const, user: null })
                : verifier.verify({ email, password }, ctx),
          },
          ctx,
        );
        return sessionResponse(deps.cookie, result, { transport: body.transport, status: 200 });
      },
    },
    {
      method: "POST",
      path: "/sign-out",
      async handle(ctx) {
        const result = await deps.authenticate(ctx);
        const clear = { "set-cookie": clearedCookie(deps.cookie) };
        // An API key is not a session: there is nothing to sign out of, and the key stays valid.
        if (!result.authenticated || result.source === "api_key") {
          await deps.audit({ type: "sign_out", outcome: "failure", reason: result.authenticated ? "not_a_session" : result.reason }, ctx);
          return noContent(clear);
        }
        // Access is removed first: a sink failure must not keep a session alive.
        await deps.strategy.revoke(result.session, ctx);
        try {
          await deps.audit({ type: "sign_out", outcome: "success", reason: "ok", userId: result.principal.id, sessionId: result.session.id }, ctx);
        } catch (error) {
          return errorResponse(error, clear);
        }
        return noContent(clear);
      },
    },
    {
      method: "GET",
      path: "/session",
      async handle(ctx) {
        const result = await deps.authenticate(ctx);
        // API keys authenticate requests, not sessions: this route answers only for a session.
        if (!result.authenticated || result.source === "api_key") throw new AuthError("unauthenticated", "no valid session");
        return json(200, { user: publicUser(result.principal), session: publicSession(result.session) });
      },
    },
  ];

  return routes;
}
