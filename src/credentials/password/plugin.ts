/**
 * Email + password as a plugin, like every other way in: sign-up and sign-in under the base
 * path, each through the pipeline (risk, challenges, audit) via the plugin host. Core knows no
 * password; the hasher and the length policy are this plugin's options.
 */
import * as v from "valibot";
import { toBase64Url } from "../../core/encoding.js";
import { normalizeEmail } from "../../core/email.js";
import { AuthError, ConfigurationError } from "../../core/errors.js";
import { readJson } from "../../core/http/body.js";
import type { Plugin, PluginHost } from "../../core/plugins.js";
import { verificationRequired } from "../../core/session-response.js";
import type { PasswordHasher } from "../../ports/password-hasher.js";
import type { CredentialStore } from "../../ports/credential-store.js";
import type { PluginRoute } from "../../ports/request.js";
import type { UserStore } from "../../ports/user-store.js";
import { decoyVerifier } from "./dummy-verify.js";
import { normalizePassword, passwordPolicy, type PasswordPolicy } from "./policy.js";
import { passwordVerifier } from "./verifier.js";

export interface EmailPasswordOptions {
  /**
   * `argon2idHasher()` (WASM; the module comes with the package for every runtime it supports),
   * `pbkdf2Hasher()` or `argon2idJSHasher()`. Required: the choice is visible in your code.
   */
  hasher: PasswordHasher;
  /** Minimum length in code points; at least 8 (NIST SP 800-63B-4), 15 recommended when it is the only factor. Default 8. */
  minLength?: number;
  /** Maximum length in code points; at least 64. Default 256. Anything over 4 KiB is refused before hashing. */
  maxLength?: number;
}

type Requires = { users: "any"; credentials: "any" };

export interface EmailPasswordPlugin extends Plugin<Requires> {
  /** The validated length policy (sign-in pages use `minLength` for their form hint). */
  readonly policy: PasswordPolicy;
}

const DEFAULT_MAX_LENGTH = 256;

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

/** `POST {base}/sign-up` and `POST {base}/sign-in`. Options are checked here, at start-up. */
export function emailPassword(options: EmailPasswordOptions): EmailPasswordPlugin {
  const hasher = options?.hasher;
  if (typeof hasher?.hash !== "function") {
    throw new ConfigurationError("emailPassword needs a hasher: emailPassword({ hasher: argon2idHasher() })");
  }
  const policy = passwordPolicy({ minLength: options.minLength, maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH });
  return {
    id: "email-password",
    requires: { users: "any", credentials: "any" },
    policy,
    setup(ports, host) {
      return { routes: passwordRoutes({ ...ports, hasher, policy, host }) };
    },
  };
}

interface RouteDeps {
  users: UserStore;
  credentials: CredentialStore;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  host: PluginHost;
}

function passwordRoutes(deps: RouteDeps): PluginRoute[] {
  const { host, policy } = deps;
  const decoy = decoyVerifier(deps.hasher);
  const verifier = passwordVerifier({ ...deps, decoy });
  const bodyLimit = host.settings.bodyLimit;

  const signUp: PluginRoute = {
    method: "POST",
    path: "/sign-up",
    async handle(ctx) {
      const body = await readJson(ctx.request, SignUpBody, bodyLimit);
      const email = normalizeEmail(body.email);
      // RFC 2606 reserves .invalid: such an address can never be verified, and service
      // accounts' email-shaped identifiers live there, so no person may take one.
      if (email.endsWith(".invalid")) throw new AuthError("invalid_email", "this address cannot receive mail");
      const password = normalizePassword(body.password);
      policy.check(password);
      let result: Awaited<ReturnType<PluginHost["attempt"]>>;
      try {
        result = await host.attempt(
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
      } catch (error) {
        // With verification required, a taken address answers exactly like a new one; its
        // owner can be told by mail (a listener) instead of the visitor by the response.
        if (!host.settings.requireVerifiedEmail || !(error instanceof AuthError) || error.code !== "email_taken") throw error;
        await host.emitUserEvent({ type: "sign_up_conflict", email }, ctx);
        return verificationRequired();
      }
      await host.emitUserEvent({ type: "signed_up", user: result.user }, ctx);
      return host.sessionResponse(result, { transport: body.transport, status: 201 });
    },
  };

  const signIn: PluginRoute = {
    method: "POST",
    path: "/sign-in",
    async handle(ctx) {
      const body = await readJson(ctx.request, SignInBody, bodyLimit);
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
        await decoy(password);
      }
      return host.signIn(
        {
          action: "sign_in",
          method: "password",
          verify: () =>
            email === ""
              ? Promise.resolve({ ok: false as const, reason: "invalid_credentials" as const, user: null })
              : verifier.verify({ email, password }, ctx),
        },
        ctx,
        { transport: body.transport, status: 200 },
      );
    },
  };

  return [signUp, signIn];
}
