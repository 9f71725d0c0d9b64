/**
 * Sends one message. Implementations: the development sink (console + an inbox page), an HTTP
 * mail API adapter. A rejection means "not sent"; callers decide whether that fails the request.
 */
export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body: always present (mail scanners and text clients read it). */
  text: string;
  /** HTML body, rendered from a template with every interpolated value escaped. */
  html: string;
  /** A stable tag for logs and the dev inbox: "magic_link", "verify_email", "sign_up_conflict". */
  kind: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
