import { createAuth, type Auth, type AuthOptions } from "../../src/create-auth.js";
import { fixedClock } from "../../src/core/context.js";
import { emailPassword, pbkdf2Hasher, type EmailPasswordOptions } from "../../src/credentials/password/index.js";
import { memoryStores } from "../../src/adapters/memory/index.js";
import type { PasswordHasher } from "../../src/ports/password-hasher.js";

export const ORIGIN = "https://app.example";
export const START = "2026-03-01T12:00:00.000Z";

/** Cheap hashing so the suite stays fast; the hashers themselves are tested in test/password. */
export function fastHasher(): PasswordHasher {
  return pbkdf2Hasher({ iterations: 1000 });
}

export type Harness = ReturnType<typeof makeHarness>;

export interface HarnessOptions extends Partial<AuthOptions> {
  /** The email + password plugin's hasher (a fast PBKDF2 by default). */
  hasher?: PasswordHasher;
  /** Its other options (length policy). */
  password?: Omit<EmailPasswordOptions, "hasher">;
}

/** createAuth with memory stores, a frozen clock and the email + password plugin first. */
export function makeHarness(overrides: HarnessOptions = {}) {
  const { hasher = fastHasher(), password = {}, plugins = [], ...rest } = overrides;
  const stores = memoryStores();
  const clock = fixedClock(START);
  const options: AuthOptions = { stores, clock, ...rest, plugins: [emailPassword({ hasher, ...password }), ...plugins] };
  const auth: Auth = createAuth(options);
  return { auth, stores: options.stores as typeof stores, clock, options, hasher };
}

export interface CallOptions {
  body?: unknown;
  cookie?: string | null;
  bearer?: string;
  headers?: Record<string, string>;
  method?: string;
}

export function request(path: string, options: CallOptions = {}): Request {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.bearer !== undefined) headers.set("authorization", `Bearer ${options.bearer}`);
  return new Request(ORIGIN + path, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

/** `name=value` from a Set-Cookie header, ready to send back. */
export function cookieFrom(response: Response): string {
  const header = response.headers.get("set-cookie");
  if (header === null) throw new Error("no set-cookie");
  return header.split(";")[0]!;
}

export async function signUp(auth: Auth, email = "ada@example.com", password = "correct horse battery"): Promise<{ response: Response; cookie: string }> {
  const response = await auth.handle(request("/auth/sign-up", { body: { email, password, name: "Ada" } }));
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return { response, cookie: cookieFrom(response) };
}

export async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { code?: string } };
  return body.error?.code ?? "(none)";
}
