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
 * The bytes of a request or response body, or null when they exceed `limit` (whatever
 * Content-Length says: the stream is counted and cancelled as soon as it goes over).
 */
export async function readBoundedBytes(message: Request | Response, limit: number): Promise<Uint8Array | null> {
  if (Number(message.headers.get("content-length") ?? "0") > limit) {
    await message.body?.cancel();
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
      await reader.cancel();
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
