import { ConfigurationError } from "../core/errors.js";
import type { MailMessage, Mailer } from "../ports/mailer.js";
import { isSecureOrLoopback } from "../core/http/public-origin.js";

export interface HttpMailerOptions {
  /** The provider's send endpoint, e.g. "https://api.resend.com/emails". https, or http on loopback only. */
  endpoint: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never appears in an error. */
  apiKey: string;
  /** The sender, e.g. "Acme <login@acme.example>" (a domain verified with the provider). */
  from: string;
  /** Defaults to the global `fetch`; tests and proxies inject their own. */
  fetch?: typeof fetch;
  /** Deadline for the whole call, headers and body (default 10 000 ms, 100..60 000). */
  timeoutMs?: number;
}

/** A send that did not go through. The message names the status or the failure, never the key or the provider's answer. */
export class MailDeliveryError extends Error {
  /** The provider's HTTP status, when it answered. */
  readonly status: number | null;

  constructor(message: string, status: number | null = null) {
    super(message);
    this.name = "MailDeliveryError";
    this.status = status;
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A mailer for HTTP mail APIs that take Resend's shape: `POST <endpoint>` with
 * `Authorization: Bearer <apiKey>` and the JSON body `{ from, to, subject, text, html }`
 * (MailMessage's `kind` is not sent). Resend (`https://api.resend.com/emails`) takes exactly
 * this; providers with another shape (SES, Postmark, SendGrid, Mailgun) need their own
 * `Mailer`, which is one `send` function.
 *
 * Each call is bounded by `timeoutMs`; any non-2xx answer, a network failure or the deadline
 * rejects with `MailDeliveryError`. The provider's response body is discarded unread: it may
 * echo the request, the key or someone's address, and none of that belongs in our logs.
 */
export function httpMailer(options: HttpMailerOptions): Mailer {
  const endpoint = checkEndpoint(options?.endpoint);
  const apiKey = options.apiKey;
  if (typeof apiKey !== "string" || apiKey.length === 0 || /[\s\u0000-\u001f\u007f]/.test(apiKey)) {
    throw new ConfigurationError("httpMailer: apiKey must be a non-empty string without whitespace");
  }
  if (typeof options.from !== "string" || options.from.trim() === "" || /[\r\n]/.test(options.from)) {
    throw new ConfigurationError("httpMailer: from must be a sender address on one line");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
    throw new ConfigurationError("httpMailer: timeoutMs must be an integer between 100 and 60000");
  }
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const from = options.from;

  return {
    async send(message: MailMessage): Promise<void> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        let response: Response;
        try {
          response = await doFetch(endpoint, {
            method: "POST",
            headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", accept: "application/json" },
            body: JSON.stringify({ from, to: message.to, subject: message.subject, text: message.text, html: message.html }),
            signal: controller.signal,
            // A redirect is a non-2xx answer, not something to follow with the key attached.
            redirect: "manual",
          });
        } catch {
          // The cause is dropped on purpose: only the deadline or "it failed" is useful, and a
          // platform error may carry request details.
          throw controller.signal.aborted
            ? new MailDeliveryError(`mail API did not answer within ${timeoutMs} ms`)
            : new MailDeliveryError("mail API request failed");
        }
        // Never read: see above. Cancelling frees the connection.
        await response.body?.cancel().catch(() => undefined);
        if (response.status < 200 || response.status > 299) {
          throw new MailDeliveryError(`mail API answered ${response.status}`, response.status);
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function checkEndpoint(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigurationError("httpMailer: endpoint must be an absolute URL");
  }
  if (!isSecureOrLoopback(url)) throw new ConfigurationError("httpMailer: endpoint must use https (http only on localhost)");
  // Credentials in the URL would end up in logs that print the endpoint.
  if (url.username !== "" || url.password !== "") throw new ConfigurationError("httpMailer: endpoint must not carry credentials; use apiKey");
  return url.href;
}
