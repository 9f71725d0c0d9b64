import type { MailMessage } from "../ports/mailer.js";
import { renderTemplate, renderText, singleLine } from "./template.js";

/**
 * The three messages the email-link plugins send, each with a text and an HTML body. Inline
 * styles only (mail clients drop <style> and external CSS); the link is shown in full too, so
 * a reader can see where it goes before clicking and text-only clients can copy it.
 */

export interface LinkMessageInput {
  to: string;
  /** The full link, `https://app.example/auth/magic-link?token=...`. */
  link: string;
  /** Shown in the subject and the greeting, e.g. "Acme" or "app.example". */
  appName: string;
  /** How long the link works, in minutes (rounded down, at least 1). */
  expiresInMinutes: number;
}

export interface ConflictNoticeInput {
  to: string;
  appName: string;
  /** Where the owner signs in (or resets the password). */
  signInUrl: string;
}

const HTML_FRAME = `<!doctype html>
<html lang="en">
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111">
<p>{{intro}}</p>
{{action}}
<p style="font-size:.875rem;color:#555">{{footer}}</p>
</body>
</html>
`;

const BUTTON = `<p><a href="{{link}}" style="display:inline-block;padding:.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:.35rem">{{label}}</a></p>
<p style="font-size:.875rem;color:#555">Or copy this link into your browser:<br><a href="{{link}}">{{link}}</a></p>`;

function linkMessage(kind: string, subject: string, input: LinkMessageInput, intro: string, label: string, ignore: string): MailMessage {
  const minutes = Math.max(1, Math.floor(input.expiresInMinutes));
  const footer = `The link works once and expires in ${minutes} minute${minutes === 1 ? "" : "s"}. ${ignore}`;
  const values = { link: input.link, label, appName: input.appName, intro, footer };
  return {
    to: input.to,
    subject: singleLine(renderText(subject, values)),
    text: renderText(`{{intro}}\n\n{{label}}: {{link}}\n\n{{footer}}\n`, values),
    html: renderTemplate(HTML_FRAME.replace("{{action}}", BUTTON), values),
    kind,
  };
}

/** "Sign in to {appName}": the magic link. */
export function magicLinkMessage(input: LinkMessageInput): MailMessage {
  return linkMessage(
    "magic_link",
    "Sign in to {{appName}}",
    input,
    `Someone asked to sign in to ${input.appName} with this email address.`,
    "Sign in",
    "If you did not ask for it, ignore this email: nobody can sign in without the link.",
  );
}

/** "Verify your email address for {appName}". */
export function verifyEmailMessage(input: LinkMessageInput): MailMessage {
  return linkMessage(
    "verify_email",
    "Verify your email address for {{appName}}",
    input,
    `Confirm that this address belongs to your ${input.appName} account.`,
    "Verify email address",
    "If you did not create an account, ignore this email.",
  );
}

/**
 * Sent to the owner of an address when someone tries to sign up with it (under
 * `requireVerifiedEmail` the visitor is not told the address is taken). No token: it only
 * informs and points to sign-in.
 */
export function signUpConflictMessage(input: ConflictNoticeInput): MailMessage {
  const values = {
    appName: input.appName,
    link: input.signInUrl,
    label: "Sign in",
    intro: `Someone tried to create a ${input.appName} account with this email address, which already has one.`,
    footer: "If it was you, sign in with your existing account (or reset your password). If not, you can ignore this email: nothing was changed.",
  };
  return {
    to: input.to,
    subject: singleLine(renderText("Sign-up attempt with your {{appName}} address", values)),
    text: renderText(`{{intro}}\n\n{{label}}: {{link}}\n\n{{footer}}\n`, values),
    html: renderTemplate(HTML_FRAME.replace("{{action}}", BUTTON), values),
    kind: "sign_up_conflict",
  };
}
