/**
 * NODE ONLY. A small Redis client over one TCP (or TLS) connection, made for the stores:
 *
 * - Pipelining: commands are written as they come and replies matched in order, so 100
 *   concurrent calls share one connection and cost one round trip's latency, not 100.
 * - Deadlines: connecting and every command have a timeout. Replies are matched by order,
 *   so after a timeout the connection cannot be trusted: it is dropped and every command
 *   still waiting on it fails (callers see StorageError, a 503, never a hang).
 * - Reconnect: a dropped connection is replaced by the next command. Nothing is retried:
 *   a command that may have run (INCR, GETDEL) must not run twice.
 * - AUTH and SELECT from the URL run before any command is written, so a failed SELECT can
 *   never let commands land in database 0.
 * - Idle connections do not keep the process alive.
 *
 * Node built-ins come through `process.getBuiltinModule` (Node >= 20.16): the
 * project compiles without @types/node, and a Worker that imports this file by mistake
 * fails with a clear message.
 */
import { encodeCommand, RespParser, RedisReplyError, type RespReply } from "./resp.js";

export { RedisReplyError, type RespReply } from "./resp.js";

export interface RedisClientOptions {
  /** Give up on connecting (TCP + TLS + AUTH/SELECT) after this long. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Fail a command that has no reply after this long. Default 3000 ms. */
  commandTimeoutMs?: number;
  /** For rediss:// URLs: extra TLS settings (a private CA, SNI name). */
  tls?: { ca?: string | Uint8Array; servername?: string; rejectUnauthorized?: boolean };
}

export interface RedisClient {
  /** Sends one command; resolves with its reply, rejects with `RedisReplyError` or `RedisConnectionError`. */
  send(args: readonly string[]): Promise<RespReply>;
  /** Lets commands already sent finish, then closes the connection. Later sends reject. */
  close(): Promise<void>;
}

/** The connection failed, timed out or was closed; the command may or may not have run. */
export class RedisConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RedisConnectionError";
  }
}

interface NodeSocket {
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  setNoDelay(noDelay: boolean): void;
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  ref(): void;
  unref(): void;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  on(event: "close", listener: () => void): void;
  once(event: "connect" | "secureConnect", listener: () => void): void;
}

interface NodeBuiltins {
  "node:net": { connect(options: { host: string; port: number }): NodeSocket };
  "node:tls": { connect(options: { host: string; port: number; servername?: string; ca?: string | Uint8Array; rejectUnauthorized?: boolean }): NodeSocket };
}

function builtin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") {
    throw new Error("the TCP Redis client runs on Node >= 20.16 only; on Workers use portcullis/adapters/upstash");
  }
  return proc.getBuiltinModule(id) as NodeBuiltins[K];
}

interface Target {
  host: string;
  port: number;
  secure: boolean;
  /** AUTH and SELECT, sent before anything else. */
  handshake: string[][];
}

function parseUrl(url: string): Target {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") throw new Error("a Redis URL starts with redis:// or rediss://");
  const handshake: string[][] = [];
  const password = decodeURIComponent(parsed.password);
  const username = decodeURIComponent(parsed.username);
  if (password !== "") handshake.push(username === "" ? ["AUTH", password] : ["AUTH", username, password]);
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && db !== "0") {
    if (!/^\d+$/.test(db)) throw new Error("the database in a Redis URL is a number");
    handshake.push(["SELECT", db]);
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    secure: parsed.protocol === "rediss:",
    handshake,
  };
}

/** SNI carries host names only (RFC 6066): none for an IP address. */
function sniName(host: string): string | undefined {
  return /^[\d.]+$/.test(host) || host.includes(":") ? undefined : host;
}

interface Pending {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Connection {
  socket: NodeSocket;
  parser: RespParser;
  /** Written, waiting for their replies, in order. */
  inFlight: Pending[];
  /** Not written yet: waiting for the handshake. */
  backlog: { args: readonly string[]; pending: Pending }[];
  ready: boolean;
  dead: boolean;
  closed: Promise<void>;
  connectTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A client for `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS). It
 * connects on the first command, not here, so creating one never throws on a down server.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const target = parseUrl(url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 3000;
  let current: Connection | null = null;
  let closing = false;

  function fail(connection: Connection, error: Error): void {
    if (connection.dead) return;
    connection.dead = true;
    clearTimeout(connection.connectTimer);
    connection.socket.destroy();
    if (current === connection) current = null;
    const waiting = [...connection.inFlight, ...connection.backlog.map((entry) => entry.pending)];
    connection.inFlight.length = 0;
    connection.backlog.length = 0;
    for (const pending of waiting) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  function write(connection: Connection, args: readonly string[], pending: Pending): void {
    connection.inFlight.push(pending);
    connection.socket.write(encodeCommand(args));
  }

  function open(): Connection {
    const socket = target.secure
      ? builtin("node:tls").connect({ ...options.tls, host: target.host, port: target.port, servername: options.tls?.servername ?? sniName(target.host) })
      : builtin("node:net").connect({ host: target.host, port: target.port });
    let markClosed = (): void => {};
    const connection: Connection = {
      socket,
      parser: new RespParser(),
      inFlight: [],
      backlog: [],
      ready: target.handshake.length === 0,
      dead: false,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
      connectTimer: undefined,
    };
    connection.connectTimer = setTimeout(() => fail(connection, new RedisConnectionError(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);

    socket.once(target.secure ? "secureConnect" : "connect", () => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      if (connection.ready) clearTimeout(connection.connectTimer);
    });
    socket.on("data", (chunk) => {
      if (connection.dead) return;
      let replies: RespReply[];
      try {
        replies = connection.parser.feed(chunk);
      } catch (error) {
        fail(connection, new RedisConnectionError("unreadable reply", { cause: error }));
        return;
      }
      for (const reply of replies) {
        const pending = connection.inFlight.shift();
        if (pending === undefined) {
          fail(connection, new RedisConnectionError("a reply nobody asked for"));
          return;
        }
        clearTimeout(pending.timer);
        if (reply instanceof RedisReplyError) pending.reject(reply);
        else pending.resolve(reply);
      }
      if (connection.inFlight.length === 0 && connection.backlog.length === 0) socket.unref();
    });
    socket.on("error", (error) => fail(connection, new RedisConnectionError("connection failed", { cause: error })));
    socket.on("close", () => {
      fail(connection, new RedisConnectionError("connection closed"));
      markClosed();
    });

    // The handshake goes first; commands wait in the backlog until every step succeeded.
    target.handshake.forEach((args, index) => {
      const last = index === target.handshake.length - 1;
      write(connection, args, {
        timer: undefined,
        resolve: () => {
          if (!last) return;
          clearTimeout(connection.connectTimer);
          connection.ready = true;
          for (const { args: queued, pending } of connection.backlog.splice(0)) write(connection, queued, pending);
        },
        // The server's message, never the arguments: they hold the password.
        reject: (error) => fail(connection, new RedisConnectionError(`${args[0] ?? "handshake"} refused: ${error.message}`)),
      });
    });
    return connection;
  }

  function send(args: readonly string[]): Promise<RespReply> {
    if (closing) return Promise.reject(new RedisConnectionError("client closed"));
    let connection: Connection;
    try {
      connection = current ??= open();
    } catch (error) {
      return Promise.reject(new RedisConnectionError("cannot connect", { cause: error }));
    }
    return new Promise<RespReply>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined };
      pending.timer = setTimeout(() => fail(connection, new RedisConnectionError(`no reply within ${commandTimeoutMs} ms`)), commandTimeoutMs);
      connection.socket.ref();
      if (connection.ready) write(connection, args, pending);
      else connection.backlog.push({ args, pending });
    });
  }

  async function close(): Promise<void> {
    closing = true;
    const connection = current;
    if (connection === null) return;
    // QUIT is answered after every earlier reply, then the server closes: a graceful drain.
    await new Promise<void>((resolve) => {
      const pending: Pending = { resolve: () => resolve(), reject: () => resolve(), timer: undefined };
      pending.timer = setTimeout(() => fail(connection, new RedisConnectionError("client closed")), commandTimeoutMs);
      if (connection.ready) write(connection, ["QUIT"], pending);
      else connection.backlog.push({ args: ["QUIT"], pending });
    });
    // The QUIT reply unref'd the socket (nothing in flight); hold the process open until the
    // close event arrives, or `await close()` never settles when nothing else keeps Node alive.
    connection.socket.ref();
    connection.socket.end();
    await connection.closed;
  }

  return { send, close };
}
