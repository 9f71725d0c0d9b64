import { memoryStores, type MemoryStores } from "../../src/adapters/memory/index.js";
import { fixedClock } from "../../src/core/context.js";
import { createAuth, type Auth } from "../../src/create-auth.js";
import type { Plugin, Stores } from "../../src/core/plugins.js";
import type { SettingsInput } from "../../src/core/settings.js";
import { emailVerification, type EmailVerificationOptions } from "../../src/email-links/email-verification.js";
import { magicLink, type MagicLinkOptions } from "../../src/email-links/magic-link.js";
import { devMailer, type DevMailer } from "../../src/mail/dev-mailer.js";
import type { AuditEvent, AuditSink } from "../../src/ports/audit-sink.js";
import type { MailMessage, Mailer } from "../../src/ports/mailer.js";
import type { SingleUseStore } from "../../src/ports/single-use-store.js";
import { fastHasher, ORIGIN, request, START } from "../helpers/harness.js";
import { emailPassword } from "../../src/credentials/password/index.js";

export { ORIGIN };

/** Wraps a single-use store and records every write, so tests can inspect what is stored. */
export function recordingStore(inner: SingleUseStore): SingleUseStore & { puts: { key: string; value: string; ttl: number }[] } {
  const puts: { key: string; value: string; ttl: number }[] = [];
  return {
    consistency: inner.consistency,
    puts,
    async put(key, value, ttl) {
      puts.push({ key, value, ttl });
      await inner.put(key, value, ttl);
    },
    consume: (key) => inner.consume(key),
    claim: (key, ttl) => inner.claim(key, ttl),
  };
}

/** An audit sink that refuses the events `fails` picks (and records the rest). */
export function selectiveSink(inner: AuditSink, fails: (event: AuditEvent) => boolean): AuditSink {
  return {
    consistency: inner.consistency,
    async write(event) {
      if (fails(event)) throw new Error("sink down");
      await inner.write(event);
    },
  };
}

export function failingMailer(): Mailer & { attempts: MailMessage[] } {
  const attempts: MailMessage[] = [];
  return {
    attempts,
    async send(message) {
      attempts.push(message);
      throw new Error("mail API answered 500");
    },
  };
}

export interface SetupOptions {
  magic?: Partial<MagicLinkOptions> | false;
  verification?: Partial<EmailVerificationOptions> | false;
  settings?: SettingsInput;
  mailer?: Mailer;
  /** Replaces stores, given the memory ones (wrap them to inject faults). */
  stores?: (base: MemoryStores) => Partial<Stores>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each plugin carries its own requirement type
  plugins?: Plugin<any>[];
}

export function setup(options: SetupOptions = {}) {
  const base = memoryStores();
  const singleUse = recordingStore(base.singleUse);
  const stores: Stores = { ...base, singleUse, ...options.stores?.(base) };
  const clock = fixedClock(START);
  const mail: DevMailer = devMailer({ console: false });
  const mailer = options.mailer ?? mail;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in AuthOptions
  const plugins: Plugin<any>[] = [];
  if (options.magic !== false) plugins.push(magicLink({ mailer, minResponseMs: 0, ...options.magic }));
  if (options.verification !== false) plugins.push(emailVerification({ mailer, minResponseMs: 0, ...options.verification }));
  plugins.push(...(options.plugins ?? []));
  const auth: Auth = createAuth({ stores, clock, plugins: [emailPassword({ hasher: fastHasher() }), ...plugins], settings: { publicOrigin: ORIGIN, ...options.settings } });
  return { auth, stores, base, singleUse, clock, mail };
}

const TOKEN_IN_TEXT = /token=([A-Za-z0-9_-]{43})/;

export function tokenOf(message: MailMessage | undefined): string {
  if (message === undefined) throw new Error("no such message");
  const match = TOKEN_IN_TEXT.exec(message.text);
  if (match === null) throw new Error(`no token in ${message.kind} message`);
  return match[1]!;
}

/** The newest message of `kind` (to `to`, when given). */
export function lastMail(mail: DevMailer, kind: string, to?: string): MailMessage | undefined {
  return mail.messages().filter((m) => m.kind === kind && (to === undefined || m.to === to)).at(-1);
}

export function askForLink(auth: Auth, email: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return auth.handle(request("/auth/magic-link", { body: { email, ...extra } }));
}

/** What the confirm page's form sends: form-encoded, same-origin. */
export function formPost(path: string, token: string, headers: Record<string, string> = {}): Request {
  return request(path, {
    method: "POST",
    body: new URLSearchParams({ token }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "sec-fetch-site": "same-origin", ...headers },
  });
}

export function jsonPost(path: string, body: unknown): Request {
  return request(path, { body });
}

/** Status, headers (minus nothing) and body text: for "answers byte-identically" checks. */
export async function snapshot(response: Response): Promise<{ status: number; headers: [string, string][]; body: string }> {
  return { status: response.status, headers: [...response.headers], body: await response.text() };
}
