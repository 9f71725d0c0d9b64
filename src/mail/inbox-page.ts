import type { MailMessage } from "../ports/mailer.js";
import { escapeHtml } from "../core/http/escape-html.js";

/** Nothing may load or run; links are plain anchors. */
const INBOX_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g;

/**
 * The dev mailer's messages as an HTML page, newest first: recipient, subject and the text body
 * with its http(s) links clickable. Everything is escaped; the HTML bodies are not rendered
 * (the text twin carries the same links).
 *
 * DEVELOPMENT ONLY, like `devMailer`: the page lists live sign-in links for every address. Mount
 * it only on a local development server (`npm start`), never behind a public hostname.
 */
export function inboxPage(mailer: { messages(): readonly MailMessage[] }, options: { title?: string } = {}): Response {
  const title = options.title ?? "Development inbox";
  const messages = [...mailer.messages()].reverse();
  const items = messages.length === 0 ? "<p>No messages yet.</p>" : messages.map(renderMessage).join("\n");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  main { max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }
  article { border: 1px solid #888; border-radius: .35rem; padding: .75rem 1rem; margin: 1rem 0; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .meta { font-size: .875rem; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Development only: these are live links. Newest first; ${messages.length} message${messages.length === 1 ? "" : "s"} kept in memory.</p>
${items}
</main>
</body>
</html>
`;
  return new Response(html, {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": INBOX_CSP,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      // The links carry tokens: following one must not tell the target where it came from.
      "referrer-policy": "no-referrer",
    },
  });
}

function renderMessage(message: MailMessage): string {
  return `<article>
<h2>${escapeHtml(message.subject)}</h2>
<p class="meta">To <strong>${escapeHtml(message.to)}</strong> &middot; <code>${escapeHtml(message.kind)}</code></p>
<pre>${linkify(message.text)}</pre>
</article>`;
}

/** Escapes the text and turns each http(s) URL into an anchor; nothing else becomes markup. */
function linkify(text: string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const index = match.index ?? 0;
    out += escapeHtml(text.slice(last, index));
    const url = escapeHtml(match[0]);
    out += `<a href="${url}" rel="noreferrer">${url}</a>`;
    last = index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}
