/**
 * The gateway's built-in HTML: sign-in and sign-up forms and a plain message page.
 * Server-rendered, no JavaScript, no external assets, so a strict CSP holds; everything echoed
 * is escaped.
 */
import { escapeHtml } from "../core/http/escape-html.js";

/** Nothing may load, run or frame; inline styles only; forms only post back to us. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": PAGE_CSP,
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // The return path sits in the query; it need not travel to other sites.
  "referrer-policy": "same-origin",
};

export type FormKind = "sign-in" | "sign-up";

export interface FormPage {
  kind: FormKind;
  basePath: string;
  /** Already validated with `safeReturnPath`. */
  returnPath: string;
  /** Shown in the alert region; null when there is nothing to report. */
  error: string | null;
  email: string;
  name: string;
  /** Sign-up only: the policy's minimum, mirrored in the input for early feedback. */
  minPasswordLength: number;
  status: number;
  /** HEAD gets the headers without the page. */
  headOnly?: boolean;
  /** Sign-in page only: other ways in, shown above and below the password form. */
  alternatives?: SignInAlternatives;
}

export interface SignInAlternatives {
  /** One "Sign in with <label>" link each, to `{base}/oauth/<id>/start?return=...`. */
  providers: readonly ProviderLink[];
  /** The "email me a sign-in link" form (posts to `{base}/magic-link`). */
  magicLink: boolean;
}

export interface ProviderLink {
  /** Already validated: `[a-z0-9-]{1,32}`. */
  id: string;
  label: string;
}


const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { width: min(22rem, 90vw); }
  form { display: grid; gap: .75rem; }
  label { font-weight: 600; }
  input, button { font: inherit; padding: .55rem .6rem; border-radius: .35rem; }
  input { border: 1px solid #888; }
  button { border: 0; background: #1d4ed8; color: #fff; cursor: pointer; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .alert:not(:empty) { border: 1px solid #b91c1c; color: #b91c1c; padding: .5rem .6rem; border-radius: .35rem; margin-bottom: .75rem; }
  .hint { font-size: .875rem; margin: -.4rem 0 0; }
  .note { border: 1px solid #1d4ed8; padding: .5rem .6rem; border-radius: .35rem; }
  .providers { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; gap: .5rem; }
  .providers a { display: block; text-align: center; padding: .55rem .6rem; border: 1px solid #888; border-radius: .35rem; color: inherit; text-decoration: none; font-weight: 600; }
  .or { text-align: center; margin: 1rem 0; }
  .magic { margin-top: 1.5rem; }
`;

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
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

export function renderFormPage(page: FormPage): Response {
  const signUp = page.kind === "sign-up";
  const title = signUp ? "Create an account" : "Sign in";
  const action = `${page.basePath}/${page.kind}`;
  const other = signUp ? "sign-in" : "sign-up";
  const otherHref = `${page.basePath}/${other}?return=${encodeURIComponent(page.returnPath)}`;
  const invalid = page.error === null ? "" : ' aria-invalid="true" aria-describedby="form-error"';
  const nameField = signUp
    ? `<label for="name">Name <span class="hint">(optional)</span></label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${escapeHtml(page.name)}">`
    : "";
  const passwordField = signUp
    ? `<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${page.minPasswordLength}" aria-describedby="password-hint${page.error === null ? "" : " form-error"}"${page.error === null ? "" : ' aria-invalid="true"'}>
<p id="password-hint" class="hint">At least ${page.minPasswordLength} characters.</p>`
    : `<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}>`;

  const alternatives = signUp ? undefined : page.alternatives;
  const body = `<h1>${title}</h1>
<div id="form-error" class="alert" role="alert">${page.error === null ? "" : escapeHtml(page.error)}</div>
${alternatives === undefined ? "" : providerLinks(page.basePath, page.returnPath, alternatives.providers)}
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="return" value="${escapeHtml(page.returnPath)}">
${nameField}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${escapeHtml(page.email)}"${invalid}>
${passwordField}
<button type="submit">${title}</button>
</form>
${alternatives?.magicLink === true ? magicLinkForm(page.basePath, page.returnPath) : ""}
<p>${signUp ? "Already have an account?" : "No account yet?"} <a href="${escapeHtml(otherHref)}">${signUp ? "Sign in" : "Create one"}</a></p>`;

  return new Response(page.headOnly === true ? null : document(`${title} · Portcullis`, body), {
    status: page.status,
    headers: PAGE_HEADERS,
  });
}

/**
 * Links, not forms: starting a flow is a GET navigation to the provider, and `form-action 'self'`
 * would stop a form whose answer redirects off-site.
 */
function providerLinks(basePath: string, returnPath: string, providers: readonly ProviderLink[]): string {
  if (providers.length === 0) return "";
  const items = providers
    .map((provider) => {
      const href = `${basePath}/oauth/${provider.id}/start?return=${encodeURIComponent(returnPath)}`;
      return `<li><a href="${escapeHtml(href)}">Sign in with ${escapeHtml(provider.label)}</a></li>`;
    })
    .join("\n");
  return `<ul class="providers">
${items}
</ul>
<p class="or">or with your password</p>`;
}

/** Its own form: the password form's required password would block an email-only submit. */
function magicLinkForm(basePath: string, returnPath: string): string {
  return `<form class="magic" method="post" action="${escapeHtml(`${basePath}/magic-link`)}">
<input type="hidden" name="return" value="${escapeHtml(returnPath)}">
<label for="magic-email">No password? Get a sign-in link by email</label>
<input id="magic-email" name="email" type="email" autocomplete="email" required>
<button type="submit">Email me a sign-in link</button>
</form>`;
}

/** A button that posts a form (sign-out must be a POST: GET never changes state). */
export interface PageAction {
  action: string;
  label: string;
  /** Hidden fields, e.g. `{ return: "/admin" }`. */
  fields?: Readonly<Record<string, string>>;
}

export interface MessagePage {
  title: string;
  message: string;
  status: number;
  /** "error" (the default) is announced as an alert; "info" is a plain status message. */
  tone?: "error" | "info";
  links: readonly { href: string; text: string }[];
  actions?: readonly PageAction[];
  /** Extra response headers (Retry-After). */
  headers?: Readonly<Record<string, string>>;
  headOnly?: boolean;
}

/** A page with one message (a failed sign-out, a refused form, "check your email") and ways on. */
export function renderMessagePage(options: MessagePage): Response {
  const info = options.tone === "info";
  const links = options.links.map((link) => `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`).join("\n");
  const actions = (options.actions ?? []).map(actionForm).join("\n");
  const body = `<h1>${escapeHtml(options.title)}</h1>
<div class="${info ? "note" : "alert"}" role="${info ? "status" : "alert"}">${escapeHtml(options.message)}</div>
${actions}
${links}`;
  const response = new Response(options.headOnly === true ? null : document(options.title, body), { status: options.status, headers: PAGE_HEADERS });
  for (const [name, value] of Object.entries(options.headers ?? {})) response.headers.set(name, value);
  return response;
}

function actionForm(action: PageAction): string {
  const fields = Object.entries(action.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  return `<form method="post" action="${escapeHtml(action.action)}">${fields}<button type="submit">${escapeHtml(action.label)}</button></form>`;
}
