/**
 * The canonical form of an email address: every feature that takes an address (sign-up,
 * magic links, OAuth account matching, admin lookups) must compare and store the same
 * spelling, so the rule lives here rather than in any one credential.
 */
import { AuthError } from "./errors.js";

const MAX_EMAIL_LENGTH = 254;
/** Raw input longer than this is rejected before NFKC, which can expand text (up to 18x). */
const MAX_RAW_EMAIL_LENGTH = 1024;
/**
 * Conservative local-part alphabet: the dot-atom characters real providers hand out.
 * Deliberately excluded: quotes (quoted local parts), "%" (source-routing relays), "!" (bang
 * paths), "'" "`" "|" "{" "}" "$" "&" "=" "?" "^" "~" "#" "*" "/" (valid in RFC 5322 but
 * unneeded for sign-up and risky where an address reaches HTML, a shell or a header).
 */
const LOCAL_PART = /^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function invalidEmail(): AuthError {
  // The message never echoes the input: it may be huge, hostile or someone else's address.
  return new AuthError("invalid_email", "Email address is invalid", { detail: { field: "email" } });
}

/**
 * Canonical form of an email address, or AuthError("invalid_email").
 *
 * Order matters: trim, NFKC, lowercase, THEN validate, so a fullwidth "＠" (U+FF20), small
 * "﹫" or fullwidth "，" becomes the ASCII character it looks like and is judged as such: an
 * address that gains a second "@" or a comma is rejected, never split. Use the returned value
 * for storage, lookup AND delivery; never mail the raw input.
 *
 * - Exactly one "@"; no commas, semicolons, spaces, quotes, angle brackets or control
 *   characters (all outside the allowed alphabets).
 * - Local part: 1..64 characters from LOCAL_PART, dot-atom (no leading, trailing or double dot).
 *   Lowercased although RFC 5321 lets local parts be case-sensitive: every major provider is
 *   case-insensitive and one account per mailbox matters more. Sub-addresses ("+tag") and
 *   Gmail dots are kept; folding them changes delivery on other domains.
 * - Domain: at least two LDH labels, each 1..63, total <= 253; no IP literals; the last label
 *   is not all digits. Non-ASCII (IDN) domains are rejected: submit them in punycode
 *   ("xn--..."); converting silently would add a second spelling of the same mailbox.
 *   Labels with "--" in positions 3-4 must be "xn--" (RFC 5891 reserves the rest).
 * - Whole address <= 254 characters (RFC 5321 path limit).
 */
export function normalizeEmail(raw: string): string {
  if (typeof raw !== "string" || raw.length > MAX_RAW_EMAIL_LENGTH) throw invalidEmail();
  const email = raw.trim().normalize("NFKC").toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) throw invalidEmail();

  const at = email.indexOf("@");
  if (at === -1 || email.indexOf("@", at + 1) !== -1) throw invalidEmail();
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);

  if (local.length < 1 || local.length > 64 || !LOCAL_PART.test(local)) throw invalidEmail();

  if (domain.length > 253) throw invalidEmail();
  const labels = domain.split(".");
  if (labels.length < 2) throw invalidEmail();
  for (const label of labels) {
    if (!LABEL.test(label)) throw invalidEmail();
    if (label.length >= 4 && label.slice(2, 4) === "--" && !label.startsWith("xn--")) throw invalidEmail();
  }
  const tld = labels[labels.length - 1]!;
  if (/^[0-9]+$/.test(tld) || tld.length < 2) throw invalidEmail();
  return email;
}
