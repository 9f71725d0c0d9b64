/**
 * Better Auth's read path: `auth.api.getSession({ headers })` with the memory
 * adapter and email+password enabled, for a user signed up through the API.
 * Separate from bench/cases.ts because in workerd Better Auth needs
 * `compatibility_flags = ["nodejs_compat"]` (it imports node:crypto and
 * node:async_hooks), and the Portcullis cases run without it.
 */
import { betterAuth } from "better-auth";
import { EMAIL, ORIGIN, PASSWORD, floorHmacCase, tamper, type BenchCase, type CaseSet } from "./cases.js";

export async function betterAuthCase(): Promise<BenchCase> {
  // Imported dynamically: esbuild turns @better-auth/memory-adapter into a lazily initialised
  // module (better-auth itself imports it dynamically), and a static re-export of it would be
  // left uninitialised in the workerd bundle ("memoryAdapter is not a function").
  const { memoryAdapter } = await import("better-auth/adapters/memory");
  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  const db: Record<string, unknown[]> = { user: [], session: [], account: [], verification: [] };
  const auth = betterAuth({
    database: memoryAdapter(db as never),
    emailAndPassword: { enabled: true },
    secret,
    baseURL: ORIGIN,
    telemetry: { enabled: false },
  });
  const signUp = await auth.api.signUpEmail({ body: { email: EMAIL, password: PASSWORD, name: "Ada" }, returnHeaders: true });
  const setCookie = signUp.headers.get("set-cookie");
  if (setCookie === null) throw new Error("better-auth sign-up: no set-cookie");
  const cookie = setCookie.split(";")[0]!;
  const name = cookie.slice(0, cookie.indexOf("="));
  // A real session, asserted once before any timing.
  const check = await auth.api.getSession({ headers: new Headers({ cookie }) });
  if (check === null || check.user.email !== EMAIL || typeof check.session.id !== "string") {
    throw new Error(`better-auth getSession returned no session: ${JSON.stringify(check)}`);
  }
  return {
    name: "better-auth",
    group: "baseline",
    note: "auth.api.getSession({ headers }), memory adapter, default session config (no cookie cache): signed-cookie HMAC check + session and user lookup",
    prepare() {
      const headers = new Headers({ cookie });
      return {
        run: () => auth.api.getSession({ headers }),
        ok: (r) => r !== null && typeof (r as { session?: { id?: unknown } }).session?.id === "string",
      };
    },
    async rejectsForgery() {
      const value = cookie.slice(name.length + 1);
      return (await auth.api.getSession({ headers: new Headers({ cookie: `${name}=${tamper(value)}` }) })) === null;
    },
  };
}

/** What the nodejs_compat worker runs: Better Auth, plus floor-hmac as a cross-check of that worker's floor. */
export async function setupBetterAuthCases(): Promise<CaseSet> {
  const set: CaseSet = { cases: [await floorHmacCase()], unavailable: [] };
  try {
    set.cases.push(await betterAuthCase());
  } catch (error) {
    set.unavailable.push({ name: "better-auth", group: "baseline", reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  return set;
}
