import * as v from "valibot";
import { isFormEncoded, readBodyText, readJson } from "../core/http/body.js";

/** A token posted from the confirm page (form-encoded) or by an API client (JSON). */
export interface TokenSubmission {
  token: string;
  /** From the confirm page: answer with a redirect or an HTML page, not JSON. */
  form: boolean;
  transport: "cookie" | "bearer";
}

const JsonBody = v.object({
  token: v.pipe(v.string(), v.maxLength(200)),
  transport: v.optional(v.picklist(["cookie", "bearer"]), "cookie"),
});

/** Anything but a form or JSON is `415 unsupported_media_type` (from `readJson`). */
export async function readTokenSubmission(request: Request, limit: number): Promise<TokenSubmission> {
  if (isFormEncoded(request)) {
    const params = new URLSearchParams(await readBodyText(request, limit));
    // A missing field is just an invalid token: the page always sends one.
    return { token: params.get("token") ?? "", form: true, transport: "cookie" };
  }
  const body = await readJson(request, JsonBody, limit);
  return { token: body.token, form: false, transport: body.transport };
}
