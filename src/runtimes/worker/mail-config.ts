/**
 * Where the gateway's mail (sign-in links, address verification) goes:
 *
 *   MAIL_API_URL + MAIL_API_KEY (a secret) + MAIL_FROM   an HTTP mail API (httpMailer)
 *   DEV_INBOX = "true"                                   nothing leaves: messages are kept in the
 *                                                        isolate and shown at {base}/dev/inbox
 *
 * The dev inbox shows every sign-in link to whoever opens it, so it is a development tool only:
 * it is refused unless PUBLIC_ORIGIN is a loopback origin (http://localhost:8787 under
 * `npm start`), and the gateway additionally serves the page only to requests addressed to a
 * loopback host (gateway.ts). A deployment that copied DEV_INBOX by mistake stops at start-up
 * instead of publishing its users' sign-in links.
 */
import { ConfigurationError } from "../../index.js";
import { isLoopbackHost, optionalText, parseFlag, parseSecureUrl } from "./env-values.js";

export type MailConfig = { kind: "http"; endpoint: string; apiKey: string; from: string } | { kind: "dev-inbox" };

export interface MailEnv {
  MAIL_API_URL?: string;
  MAIL_API_KEY?: string;
  MAIL_FROM?: string;
  DEV_INBOX?: string;
}

/** `publicOrigin` is PUBLIC_ORIGIN already validated (null when unset). */
export function parseMail(env: MailEnv, publicOrigin: string | null): MailConfig | null {
  const devInbox = parseFlag("DEV_INBOX", env.DEV_INBOX, false);
  const http = parseHttpMail(env);
  if (devInbox && http !== null) throw new ConfigurationError("DEV_INBOX and MAIL_API_URL are both set: use one mailer (DEV_INBOX only in development)");
  const mail: MailConfig | null = devInbox ? { kind: "dev-inbox" } : http;
  if (mail === null) return null;
  if (publicOrigin === null) {
    throw new ConfigurationError(`PUBLIC_ORIGIN is required when ${devInbox ? "DEV_INBOX" : "MAIL_API_URL"} is set: mail links point at it (e.g. https://auth.example.com)`);
  }
  if (devInbox && !isLoopbackHost(new URL(publicOrigin).hostname)) {
    throw new ConfigurationError("DEV_INBOX is for local development only: it shows every sign-in link to anyone, so it is refused with a PUBLIC_ORIGIN other than localhost / 127.0.0.1");
  }
  return mail;
}

function parseHttpMail(env: MailEnv): MailConfig | null {
  const endpoint = optionalText(env.MAIL_API_URL);
  const apiKey = optionalText(env.MAIL_API_KEY);
  const from = optionalText(env.MAIL_FROM);
  if (endpoint === undefined && apiKey === undefined && from === undefined) return null;
  const missing = [
    ["MAIL_API_URL", endpoint],
    ["MAIL_API_KEY", apiKey],
    ["MAIL_FROM", from],
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0) throw new ConfigurationError(`${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required with the other MAIL_* variables (MAIL_API_KEY as a secret)`);
  // The key travels in a header on every send: never over plain http off this machine.
  const url = parseSecureUrl("MAIL_API_URL", endpoint!);
  // A line break in a sender would let a value add mail headers downstream.
  if (/[\r\n\u0000]/.test(from!) || !/@[^@\s]+$/.test(from!.replace(/>$/, ""))) {
    throw new ConfigurationError('MAIL_FROM must be one sender address, e.g. "Portcullis <no-reply@example.com>" or no-reply@example.com');
  }
  return { kind: "http", endpoint: url.href, apiKey: apiKey!, from: from! };
}
