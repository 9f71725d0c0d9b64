/**
 * portcullis/email-links: magic-link sign-in and email verification, two plugins over one
 * token scheme (256-bit, single use, stored only as a purpose-typed SHA-256 key).
 */
export { magicLink, MAGIC_LINK_AMR, type MagicLinkOptions } from "./magic-link.js";
export { emailVerification, type EmailVerificationOptions } from "./email-verification.js";
export type { EmailLinkRequirements } from "./options.js";
export type { EmailLinkPurpose, EmailLinkRecord } from "./tokens.js";
