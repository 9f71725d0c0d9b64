import type { MailMessage, Mailer } from "../ports/mailer.js";

export interface DevMailerOptions {
  /**
   * Print a one-line summary of every message, with its first link, to `console.log`
   * (default true). The line holds a live sign-in link: development only.
   */
  console?: boolean;
  /** How many messages to keep, newest last (default 50, at least 1). */
  limit?: number;
}

export interface DevMailer extends Mailer {
  /** The kept messages, oldest first (copies). */
  messages(): readonly MailMessage[];
  clear(): void;
}

const DEFAULT_LIMIT = 50;
const FIRST_LINK = /https?:\/\/[^\s<>"']+/;

/**
 * A mailer for development and tests: nothing leaves the process. Messages are kept in memory
 * (the last `limit`) for `inboxPage(mailer)` and for tests, and a one-line summary with the
 * link goes to the console.
 *
 * DEVELOPMENT ONLY: the console line and the inbox page show live sign-in and verification
 * links, so anyone who can read the logs or open the page can sign in as anyone. Never
 * configure it where real people sign in.
 */
export function devMailer(options: DevMailerOptions = {}): DevMailer {
  const print = options.console ?? true;
  const limit = Math.max(1, Math.floor(options.limit ?? DEFAULT_LIMIT));
  const kept: MailMessage[] = [];

  return {
    async send(message: MailMessage): Promise<void> {
      kept.push({ ...message });
      if (kept.length > limit) kept.splice(0, kept.length - limit);
      if (print) console.log(summary(message));
    },
    messages(): readonly MailMessage[] {
      return kept.map((message) => ({ ...message }));
    },
    clear(): void {
      kept.length = 0;
    },
  };
}

/** One line, whatever the subject holds: a crafted subject cannot forge extra log lines. */
function summary(message: MailMessage): string {
  const link = FIRST_LINK.exec(message.text)?.[0] ?? "(no link)";
  const line = `[portcullis dev mail] ${message.kind} to ${message.to}: "${message.subject}" ${link}`;
  return line.replace(/[\u0000-\u001f\u007f]/g, " ");
}
