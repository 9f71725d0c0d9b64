import { AuthError } from "../core/errors.js";
import { escapeHtml } from "../core/http/escape-html.js";

/**
 * The pages a mailed link opens. The token sits in the page's URL, so: no request from the page
 * carries that URL (only our origin, see REFERRER_POLICY), nothing is cached, nothing runs,
 * nothing frames it, and the form can only post back to us.
 */
export const LINK_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * `no-referrer`: no request from the page carries its URL (the token). Browsers then send
 * `Origin: null` with the form's POST (Fetch spec, "append a request Origin header"); core's
 * CSRF check accepts that only together with the browser's own `Sec-Fetch-Site: same-origin`.
 * test/email-links/browser.node.test.ts clicks through it in Chromium.
 */
export const REFERRER_POLICY = "no-referrer";

export function linkPageHeaders(): Record<string, string> {
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": LINK_PAGE_CSP,
    "cache-control": "no-store",
    "referrer-policy": REFERRER_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  };
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { width: min(24rem, 90vw); }
  button { font: inherit; padding: .6rem 1rem; border: 0; border-radius: .35rem; background: #1d4ed8; color: #fff; cursor: pointer; }
  button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
`;

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${REFERRER_POLICY}">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface ConfirmPage {
  title: string;
  text: string;
  /** Same-origin path the form posts to, e.g. "/auth/magic-link/verify". */
  action: string;
  /** Already checked with `isWellFormedToken`; escaped anyway. */
  token: string;
  button: string;
}

/**
 * One button in a POST form. GET never redeems: mail scanners and link previews fetch links
 * (some even follow them in a headless browser, but do not submit forms), so a prefetch must
 * not burn the token or sign anyone in. The token appears only in the hidden field.
 */
export function confirmPage(page: ConfirmPage): Response {
  const body = `<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.text)}</p>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="token" value="${escapeHtml(page.token)}">
<button type="submit">${escapeHtml(page.button)}</button>
</form>`;
  return new Response(document(page.title, body), { status: 200, headers: linkPageHeaders() });
}

export function messagePage(title: string, message: string, status: number): Response {
  const headers = linkPageHeaders();
  if (status === 503) headers["retry-after"] = "5";
  const body = `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`;
  return new Response(document(title, body), { status, headers });
}

export function invalidLinkPage(): Response {
  return messagePage("Link not valid", "This link is not valid, was already used, or has expired. Request a new one.", 400);
}

/**
 * A form redemption ends in a page, not in JSON: the error's status with a message that names
 * nothing internal (the JSON `code` is the same one the API would give).
 */
export function errorPage(error: unknown): Response {
  if (!(error instanceof AuthError)) return messagePage("Something went wrong", "Something went wrong. Try again later.", 500);
  switch (error.code) {
    case "invalid_token":
      return invalidLinkPage();
    case "storage_unavailable":
    case "audit_unavailable":
      return messagePage("Try again", "We could not finish this right now. Try the link again in a moment.", 503);
    case "challenge_required":
      return messagePage("Another step is needed", "Signing in needs another step that this page cannot complete. Sign in from the app.", error.status);
    default:
      return messagePage("Could not continue", "This request could not be completed.", error.status);
  }
}
