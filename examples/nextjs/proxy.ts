import { NextResponse } from "next/server";
import { nextAuthMiddleware } from "portcullis/next";
import { auth, password } from "./auth";

/**
 * Next 16 `proxy.ts` (Node runtime): serves /auth/* (the built-in sign-in and sign-up pages and
 * the JSON API), lets public paths through, sends signed-out browsers to the sign-in page, and
 * hands signed-in requests to the app with x-portcullis-* identity headers.
 */
export default nextAuthMiddleware(auth, {
  publicPaths: ["/", "/favicon.ico"],
  pages: { passwordMinLength: password.policy.minLength },
  forward: (headers) => NextResponse.next({ request: { headers } }),
});

export const config = { matcher: ["/((?!_next/static|_next/image).*)"] };
