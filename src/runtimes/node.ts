/**
 * portcullis/node: a Web fetch handler (`auth.handle`, a gateway, your own
 * `(request) => Promise<Response>`) as a `node:http` request listener:
 *
 * ```ts
 * import { createServer } from "node:http";
 * import { toNodeHandler } from "portcullis/node";
 * createServer(toNodeHandler(app)).listen(3000);
 * ```
 *
 * Bodies stream both ways (a request body is read only as far as the handler reads it, so the
 * body limits of `auth.handle` hold), every `Set-Cookie` stays its own header line, and a client
 * that goes away aborts `request.signal`. Structural types only: no @types/node needed, and
 * nothing here is imported by the Worker-safe entry points.
 */

/**
 * The parts of `http.IncomingMessage` used here. Events, not async iteration: the declarations
 * must hold under a consumer's `target: ES2017` lib, which has no AsyncIterable.
 */
export interface NodeIncomingMessage {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  once(event: "close", listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The parts of `http.ServerResponse` used here. */
export interface NodeServerResponse {
  statusCode: number;
  readonly headersSent: boolean;
  writableEnded?: boolean;
  setHeader(name: string, value: string | readonly string[]): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array | string): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface NodeHandlerOptions {
  /**
   * The origin request URLs are built on. Default: `http://` + the Host header. Behind a proxy
   * that terminates TLS, put the public origin here or in `settings.publicOrigin`.
   */
  origin?: string;
}

const BODYLESS = new Set(["GET", "HEAD"]);

/** `handler` as `(req, res) => void` for `http.createServer` (or Express / Connect `app.use`). */
export function toNodeHandler(handler: FetchHandler, options: NodeHandlerOptions = {}): (req: NodeIncomingMessage, res: NodeServerResponse) => void {
  return (req, res) => {
    void serve(handler, req, res, options).catch(() => {
      // The handler threw or the socket broke mid-answer: a 500 if nothing was sent yet.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.end(JSON.stringify({ error: { code: "internal_error", message: "internal error" } }));
      } else if (res.writableEnded !== true) {
        res.destroy();
      }
    });
  };
}

async function serve(handler: FetchHandler, req: NodeIncomingMessage, res: NodeServerResponse, options: NodeHandlerOptions): Promise<void> {
  const incoming = toRequest(req, res, options);
  if (incoming === null) {
    res.statusCode = 400;
    res.end();
    return;
  }
  const { request, discardBody } = incoming;
  try {
    await respond(await handler(request), request, res);
  } finally {
    // Once the answer is out (a response may stream the request body itself): whatever is still
    // unread (a body refused as too large) is read and thrown away, so the client can finish
    // sending and its kept-alive connection serves the next request.
    discardBody();
  }
}

async function respond(response: Response, request: Request, res: NodeServerResponse): Promise<void> {
  res.statusCode = response.status;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (response.body === null || request.method === "HEAD") {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let closed = false;
  res.once("close", () => {
    closed = true;
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || closed) break;
    // Backpressure: wait for the socket to drain before reading more.
    if (!res.write(value)) await new Promise<void>((resolve) => (res.once("drain", resolve), res.once("close", resolve)));
  }
  if (closed) await reader.cancel();
  else res.end();
}

function toRequest(req: NodeIncomingMessage, res: NodeServerResponse, options: NodeHandlerOptions): { request: Request; discardBody: () => void } | null {
  const host = typeof req.headers.host === "string" ? req.headers.host : "localhost";
  let url: URL;
  try {
    url = new URL(req.url ?? "/", options.origin ?? `http://${host}`);
  } catch {
    return null;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (":path") are not headers.
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const controller = new AbortController();
  res.once("close", () => controller.abort());
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal: controller.signal };
  let discardBody = (): void => undefined;
  if (!BODYLESS.has(method)) {
    const body = bodyStream(req);
    init.body = body.stream;
    init.duplex = "half";
    discardBody = body.discard;
  }
  return { request: new Request(url, init), discardBody };
}

/**
 * Reads from the socket only as the handler reads (paused between pulls), so an unread
 * oversized body is never buffered here.
 */
function bodyStream(req: NodeIncomingMessage): { stream: ReadableStream<Uint8Array>; discard: () => void } {
  const encoder = new TextEncoder();
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  let finished = false;
  req.pause();
  req.on("data", (chunk) => {
    if (finished) return;
    stream.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    // Enough queued for this pull: wait for the next one.
    if ((stream.desiredSize ?? 0) <= 0) req.pause();
  });
  req.on("end", () => {
    if (finished) return;
    finished = true;
    stream.close();
  });
  req.on("error", (error) => {
    if (finished) return;
    finished = true;
    stream.error(error);
  });
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = controller;
    },
    pull() {
      req.resume();
    },
    cancel() {
      // Never destroy the request: that closes the socket before the answer (a 413) is out.
      finished = true;
      req.pause();
    },
  });
  return {
    stream: readable,
    discard() {
      finished = true;
      req.resume();
    },
  };
}
