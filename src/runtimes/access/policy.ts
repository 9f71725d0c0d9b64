/**
 * The access decision shared by the gateway Worker (`worker/`) and the Next.js helper
 * (`next.ts`). Runtime-neutral on purpose (Web `Request`/`Headers`/`URL` only): the same
 * code runs in workerd, the Next Edge runtime and Node.
 */
import type { Auth } from "../../core/create-auth.js";
import { ConfigurationError } from "../../core/errors.js";
import type { AuthResult } from "../../core/read-path.js";
import { removeSessionCredentials, withIdentityHeaders } from "./identity-headers.js";
import { normalizePath, publicPathMatcher } from "./paths.js";
import { failClosedResponse, unauthenticatedResponse } from "./responses.js";

export interface AccessOptions {
  /** Exact paths ("/favicon.ico") and prefixes ("/public/*") served without a session. */
  publicPaths?: readonly string[];
  /** Where anonymous browsers are sent. Default `{basePath}/sign-in`; always public. */
  signInPath?: string;
  /** See `UnauthenticatedOptions.absoluteLocation`. */
  absoluteLocation?: boolean;
}

export type AccessDecision =
  /** Under `{basePath}/`: hand the request to `auth.handle`. */
  | { kind: "auth" }
  /** A public path: pass it on without authenticating (identity headers still stripped). */
  | { kind: "public"; headers: Headers }
  /** Signed in: pass it on with these headers (identity set, session credentials removed). */
  | { kind: "allow"; headers: Headers; result: Extract<AuthResult, { authenticated: true }> }
  /** Answer with this response (303 to sign-in, 401, or 503). */
  | { kind: "deny"; response: Response };

export interface AccessPolicy {
  decide(request: Request): Promise<AccessDecision>;
  readonly basePath: string;
  readonly signInPath: string;
  isPublic(pathname: string): boolean;
}

/**
 * Builds the access decision once (patterns are validated here, at start-up) for the gateway
 * and the Next helper. Routing under `{basePath}/` uses the raw pathname, exactly as
 * `auth.handle` does, so the two never disagree about which requests are auth routes.
 */
export function accessPolicy(auth: Pick<Auth, "settings" | "authenticate">, options: AccessOptions = {}): AccessPolicy {
  const { basePath } = auth.settings;
  const signInPath = options.signInPath ?? `${basePath}/sign-in`;
  if (!signInPath.startsWith("/") || signInPath.startsWith("//") || normalizePath(signInPath) !== signInPath) {
    throw new ConfigurationError(`signInPath ${JSON.stringify(signInPath)} must be a normalised absolute path`);
  }
  const isPublic = publicPathMatcher([...(options.publicPaths ?? []), signInPath]);
  const cookieName = auth.settings.cookie.name;
  const authPrefix = basePath + "/";
  const deny = { signInPath, absoluteLocation: options.absoluteLocation === true };

  return {
    basePath,
    signInPath,
    isPublic,
    async decide(request: Request): Promise<AccessDecision> {
      const { pathname } = new URL(request.url);
      if (pathname.startsWith(authPrefix)) return { kind: "auth" };
      if (isPublic(pathname)) {
        // The session cookie is ours, not the application's, on public pages too.
        const headers = removeSessionCredentials(withIdentityHeaders(request.headers, null), { cookieName, source: null });
        return { kind: "public", headers };
      }
      let result: AuthResult;
      try {
        result = await auth.authenticate(request);
      } catch (error) {
        return { kind: "deny", response: failClosedResponse(error) };
      }
      if (!result.authenticated) return { kind: "deny", response: unauthenticatedResponse(request, deny) };
      const headers = removeSessionCredentials(withIdentityHeaders(request.headers, result), { cookieName, source: result.source });
      return { kind: "allow", headers, result };
    },
  };
}
