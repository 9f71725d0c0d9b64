import * as v from "valibot";
import { AuthError } from "../errors.js";

/**
 * Reads a JSON body with a hard size limit (checked on the stream, not only on
 * Content-Length, which a client may omit or lie about) and validates it with a
 * schema. Bad input is a 4xx and never reaches a store.
 */
export async function readJson<S extends v.GenericSchema>(request: Request, schema: S, limit: number): Promise<v.InferOutput<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AuthError("unsupported_media_type", "send the body as application/json");
  }
  const text = await readBodyText(request, limit);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AuthError("invalid_json", "body is not valid JSON");
  }
  const result = v.safeParse(schema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const field = v.getDotPath(issue) ?? undefined;
    throw new AuthError("invalid_request", field === undefined ? issue.message : `${field}: ${issue.message}`, {
      detail: field === undefined ? undefined : { field },
    });
  }
  return result.output;
}

/** An HTML form's body (`application/x-www-form-urlencoded`), as opposed to the JSON API's. */
export function isFormEncoded(request: Request): boolean {
  return /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers.get("content-type") ?? "");
}

/**
 * How much of an oversized REQUEST body that came without Content-Length is still read (and
 * thrown away) after the limit: enough to take in a usual too-large post whole. Past it,
 * reading just stops.
 */
export const DRAIN_LIMIT = 1_048_576;

/**
 * The bytes of a request or response body, or null when they exceed `limit` (whatever
 * Content-Length says: the stream is counted as it arrives).
 *
 * Over the limit, a Response (a provider's answer) is cancelled, freeing its connection. A
 * Request body is never cancelled. Measured under wrangler dev 4.86 (workerd): after a handler
 * cancelled its request's body and answered, the NEXT request, even another client's, got no
 * answer for minutes; a body read to its end, or never touched, is harmless; a body read partly
 * and then left breaks only that connection's next request. So: a declared Content-Length over
 * the limit is refused without touching the body; a body that turns out too large while being
 * read (no Content-Length: a streaming client) is drained, up to DRAIN_LIMIT, then left.
 */
export async function readBoundedBytes(message: Request | Response, limit: number): Promise<Uint8Array | null> {
  const isRequest = message instanceof Request;
  if (Number(message.headers.get("content-length") ?? "0") > limit) {
    if (!isRequest) await message.body?.cancel();
    return null;
  }
  if (message.body === null) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      if (isRequest) await drain(reader, size);
      else await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/** Reads and discards until the end or DRAIN_LIMIT bytes in all, then lets go without cancelling. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array> | null, alreadyRead: number): Promise<void> {
  if (reader === null) return;
  let size = alreadyRead;
  try {
    while (size <= DRAIN_LIMIT) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
    }
  } catch {
    // A client that went away: nothing left to protect.
  } finally {
    reader.releaseLock();
  }
}

/**
 * The body as UTF-8 text, refusing more than `limit` bytes whatever Content-Length says.
 * Throws `payload_too_large` or `invalid_json` (bytes that are not UTF-8).
 */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  const bytes = await readBoundedBytes(request, limit);
  if (bytes === null) throw new AuthError("payload_too_large", `body exceeds ${limit} bytes`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AuthError("invalid_json", "body is not valid UTF-8");
  }
}
