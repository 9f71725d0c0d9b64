/**
 * What a person at the gateway's pages reads for an error code. Codes come from the JSON API
 * (a form the gateway translated) or from `?error=<code>` (the OAuth plugin's error redirect,
 * which anyone can type): only known codes get their text, anything else the generic one, so
 * the query string never decides what the page says.
 */

const UNAVAILABLE = "The service is temporarily unavailable. Please try again in a moment.";

/** Friendlier wording for the codes a person at a form is likely to meet. */
const FORM_MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: "The email or password is incorrect.",
  invalid_email: "Enter a valid email address.",
  csrf_rejected: "This form was sent from another site, so it was refused. Open the page again and retry.",
  storage_unavailable: UNAVAILABLE,
  audit_unavailable: UNAVAILABLE,
  payload_too_large: "The form was too large.",
  // A redeemed sign-in link verifies the address too, hence the second way out.
  email_not_verified: "Confirm your email address first: open the link in the verification email we sent you, or get a sign-in link by email below.",
  invalid_token: "This link is invalid, already used or expired. Request a new one.",
  internal_error: "Something went wrong. Please try again.",
};

/** Codes the sign-in page explains when they arrive as `?error=`. */
const REDIRECT_MESSAGES: Readonly<Record<string, string>> = {
  ...FORM_MESSAGES,
  oauth_failed: "Signing in with that provider did not complete. Please try again.",
  account_exists:
    "An account with this email address already exists. Sign in with your password or an email link first; you can then link the provider to your account.",
  // Linking from a signed-in account also returns here when the callback fails.
  credential_taken: "That provider account is already linked to another account.",
  unauthenticated: "Please sign in to continue.",
};

const GENERIC = "Sign-in did not complete. Please try again.";

/** For a JSON API error behind a form: our wording when we have one, else the API's own message. */
export function formMessage(code: string, apiMessage: string): string {
  return Object.hasOwn(FORM_MESSAGES, code) ? FORM_MESSAGES[code]! : apiMessage;
}

/** For `?error=<code>`: never echoes the value, unknown codes get the generic text. */
export function redirectErrorMessage(code: string | null): string | null {
  if (code === null || code === "") return null;
  return Object.hasOwn(REDIRECT_MESSAGES, code) ? REDIRECT_MESSAGES[code]! : GENERIC;
}
