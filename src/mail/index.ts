/**
 * portcullis/mail: mailers for the email-link plugins and the messages they send.
 * `devMailer` (memory + console, development only), `httpMailer` (Resend-shaped HTTP APIs),
 * `inboxPage` (the dev mailer's messages as a page), and the templates.
 */
export { devMailer, type DevMailer, type DevMailerOptions } from "./dev-mailer.js";
export { httpMailer, MailDeliveryError, type HttpMailerOptions } from "./http-mailer.js";
export { inboxPage } from "./inbox-page.js";
export { escapeHtml } from "../core/http/escape-html.js";
export { renderTemplate, renderText, singleLine, type TemplateValues } from "./template.js";
export { magicLinkMessage, signUpConflictMessage, verifyEmailMessage, type ConflictNoticeInput, type LinkMessageInput } from "./messages.js";
export type { MailMessage, Mailer } from "../ports/mailer.js";
