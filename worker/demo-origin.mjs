#!/usr/bin/env node
/**
 * A stand-in for "your application" behind the gateway: it knows nothing about auth and just
 * shows what reached it (method, path, the x-portcullis-* identity headers, cookie NAMES, and
 * whether an Authorization header arrived). HTML by default, JSON when Accept asks for it.
 * No dependencies. PORT (default 8788), HOST (default 127.0.0.1), AUTH_BASE_PATH (default /auth).
 */
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8788);
const host = process.env.HOST ?? "127.0.0.1";
const basePath = process.env.AUTH_BASE_PATH ?? "/auth";

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Names only: this page shows what arrived, and a cookie value may be a credential. */
function cookieNames(header) {
  if (header === undefined) return [];
  return header
    .split(";")
    .map((pair) => pair.split("=")[0].trim())
    .filter((name) => name !== "");
}

function describe(request) {
  const identity = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith("x-portcullis-")) identity[name] = value;
  }
  const name = identity["x-portcullis-name"];
  let decodedName = null;
  if (typeof name === "string") {
    try {
      decodedName = decodeURIComponent(name);
    } catch {
      decodedName = name;
    }
  }
  return {
    method: request.method,
    path: request.url,
    identity,
    name: decodedName,
    cookieNames: cookieNames(request.headers.cookie),
    authorization: request.headers.authorization !== undefined,
    forwarded: {
      host: request.headers["x-forwarded-host"] ?? null,
      proto: request.headers["x-forwarded-proto"] ?? null,
      for: request.headers["x-forwarded-for"] ?? null,
    },
  };
}

function html(info) {
  const rows = Object.entries(info.identity)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  const signedIn = info.identity["x-portcullis-user-id"] !== undefined;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo origin</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8884; vertical-align: top; }
  td { word-break: break-all; }
  button { font: inherit; padding: .45rem .8rem; }
</style>
</head>
<body>
<h1>Demo origin</h1>
<p>This page is served by <code>worker/demo-origin.mjs</code>, which knows nothing about sign-in.
It shows what the gateway forwarded.</p>
<p><strong>${escapeHtml(info.method)}</strong> <code>${escapeHtml(info.path)}</code></p>
<h2>Identity headers</h2>
${signedIn ? `<p>Hello, ${escapeHtml(info.name ?? info.identity["x-portcullis-email"])}.</p>` : "<p>No identity headers: this is a public path.</p>"}
<table>
<tbody>
${rows || '<tr><td colspan="2">(none)</td></tr>'}
</tbody>
</table>
<h2>Other things that arrived</h2>
<ul>
<li>Cookie names: ${info.cookieNames.length === 0 ? "(none)" : info.cookieNames.map((name) => `<code>${escapeHtml(name)}</code>`).join(", ")} (the session cookie is never among them)</li>
<li>Authorization header: ${info.authorization ? "yes" : "no"}</li>
<li>X-Forwarded-Host: ${escapeHtml(info.forwarded.host ?? "(none)")}</li>
</ul>
${signedIn ? `<form method="post" action="${escapeHtml(basePath)}/sign-out"><button type="submit">Sign out</button></form>` : `<p><a href="/">Go to a protected page</a></p>`}
</body>
</html>
`;
}

const server = createServer((request, response) => {
  // Drain the body so keep-alive connections stay usable; its content is not shown.
  request.resume();
  request.on("end", () => {
    const info = describe(request);
    const wantsJson = /\bapplication\/json\b/i.test(request.headers.accept ?? "") && !/\btext\/html\b/i.test(request.headers.accept ?? "");
    const body = wantsJson ? JSON.stringify(info, null, 2) : html(info);
    response.writeHead(200, {
      "content-type": wantsJson ? "application/json; charset=utf-8" : "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-length": Buffer.byteLength(body),
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
});

server.listen(port, host, () => {
  console.log(`demo origin listening on http://${host}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    // Open keep-alive sockets would hold close() forever.
    server.closeAllConnections?.();
  });
}
