import { NextResponse } from "next/server";
import { nextAuthMiddleware } from "portcullis/next";
import { auth, password } from "./auth";

/**
 * `middleware.ts` on the Edge runtime (Next 16 still runs it there; it prints a deprecation
 * notice pointing at proxy.ts). portcullis/password resolves to its Edge build under Next's
 * `edge-light` condition: Argon2id on a precompiled WASM module, no run-time compilation.
 */
export const middleware = nextAuthMiddleware(auth, {
  publicPaths: ["/", "/favicon.ico"],
  pages: { passwordMinLength: password.policy.minLength },
  forward: (headers) => NextResponse.next({ request: { headers } }),
});

export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
