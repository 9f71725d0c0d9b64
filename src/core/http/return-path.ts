/** Open-redirect defence for `return` / `next` / `callbackUrl` values. */

/** C0 controls and DEL: browsers strip tabs and newlines from URLs, so they hide other characters. */
export const CONTROL = /[\u0000-\u001f\u007f]/;

const MAX_RETURN_LENGTH = 2048;

/**
 * Reduces an untrusted `return`/`next`/`callbackUrl` value to a same-origin relative path, or
 * "/" when it is anything else. Only values that start with a single "/" survive; rejected are
 * absolute and scheme-relative URLs (`http://evil.test`, `https:evil.test`, `//evil.test`),
 * backslash tricks (`/\evil.test`), control characters (browsers strip tabs and newlines, so
 * `/\t/evil.test` becomes `//evil.test`), and encodings that decode into any of those
 * (`/%2F%2Fevil.test`, `/%5Cevil.test`, `/%252F%252Fevil.test`). Anything that fails to parse
 * is "/" too: a malformed return value must never break sign-in.
 *
 * The result is the re-serialised path + query + fragment (so it is plain ASCII and safe in a
 * `Location` header), with dot segments resolved.
 */
export function safeReturnPath(candidate: unknown, origin: string): string {
  if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > MAX_RETURN_LENGTH) return "/";
  if (!candidate.startsWith("/")) return "/";
  let base: URL;
  try {
    base = new URL(origin);
  } catch {
    return "/";
  }
  // Every decoding a later hop might apply (up to three rounds) must still be harmless.
  let layer = candidate;
  for (let round = 0; round < 4; round++) {
    if (!isHarmlessLayer(layer, base)) return "/";
    let next: string;
    try {
      next = decodeURIComponent(layer);
    } catch {
      return "/";
    }
    if (next === layer) break;
    layer = next;
  }
  let url: URL;
  try {
    url = new URL(candidate, base.origin);
  } catch {
    return "/";
  }
  if (url.origin !== base.origin || url.username !== "" || url.password !== "") return "/";
  const result = url.pathname + url.search + url.hash;
  // Dot segments can turn "/.//evil.test" into "//evil.test" after resolution.
  if (!result.startsWith("/") || result.startsWith("//") || result.startsWith("/\\")) return "/";
  return result;
}

function isHarmlessLayer(value: string, base: URL): boolean {
  if (CONTROL.test(value) || value.includes("\\")) return false;
  if (!value.startsWith("/") || value.startsWith("//")) return false;
  let url: URL;
  try {
    url = new URL(value, base.origin);
  } catch {
    return false;
  }
  return url.origin === base.origin && !url.pathname.startsWith("//");
}
