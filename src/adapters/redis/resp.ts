/**
 * RESP2, the Redis wire protocol: commands out as arrays of bulk strings, replies in as
 * simple strings, errors, integers, bulk strings and arrays. Pure (no I/O, no Node
 * types) so it is tested on its own with split and concatenated input.
 */

/** An error reply ("-ERR ...", "-NOSCRIPT ..."): a failed command, not a broken connection. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

/** Errors can sit inside arrays (EXEC answers one per queued command); at top level they reject. */
export type RespReply = string | number | null | RedisReplyError | RespReply[];

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CR = 13;
const LF = 10;
const NEED_MORE: unique symbol = Symbol("need more bytes");

/** `*<n>\r\n` then `$<byte length>\r\n<bytes>\r\n` per argument, as one buffer (one socket write). */
export function encodeCommand(args: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = encoder.encode(arg);
    parts.push(encoder.encode(`$${bytes.length}\r\n`), bytes, encoder.encode("\r\n"));
  }
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Incremental reply parser: feed it socket chunks as they come, get back every reply
 * that is complete. A reply cut between chunks is parsed again from its start when the
 * rest arrives (the replies these stores get are small). Throws on bytes that are not
 * RESP2: the connection is then out of step and must be dropped.
 */
export class RespParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private offset = 0;

  feed(chunk: Uint8Array): RespReply[] {
    if (this.offset < this.buffer.length) {
      const rest = this.buffer.subarray(this.offset);
      const joined = new Uint8Array(rest.length + chunk.length);
      joined.set(rest, 0);
      joined.set(chunk, rest.length);
      this.buffer = joined;
    } else {
      this.buffer = chunk;
    }
    this.offset = 0;
    const replies: RespReply[] = [];
    for (;;) {
      const start = this.offset;
      const reply = this.read();
      if (reply === NEED_MORE) {
        this.offset = start;
        return replies;
      }
      replies.push(reply);
    }
  }

  private line(): string | typeof NEED_MORE {
    const { buffer } = this;
    for (let i = this.offset; i + 1 < buffer.length; i++) {
      if (buffer[i] === CR && buffer[i + 1] === LF) {
        const text = decoder.decode(buffer.subarray(this.offset, i));
        this.offset = i + 2;
        return text;
      }
    }
    return NEED_MORE;
  }

  private read(): RespReply | typeof NEED_MORE {
    if (this.offset >= this.buffer.length) return NEED_MORE;
    const type = this.buffer[this.offset++];
    const line = this.line();
    if (line === NEED_MORE) return NEED_MORE;
    switch (type) {
      case 0x2b: // '+'
        return line;
      case 0x2d: // '-'
        return new RedisReplyError(line);
      case 0x3a: // ':'
        return integer(line);
      case 0x24: {
        // '$'
        const length = integer(line);
        if (length < 0) return null;
        if (this.offset + length + 2 > this.buffer.length) return NEED_MORE;
        const text = decoder.decode(this.buffer.subarray(this.offset, this.offset + length));
        this.offset += length + 2;
        return text;
      }
      case 0x2a: {
        // '*'
        const count = integer(line);
        if (count < 0) return null;
        const items: RespReply[] = [];
        for (let i = 0; i < count; i++) {
          const item = this.read();
          if (item === NEED_MORE) return NEED_MORE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`RESP protocol error: unexpected reply type ${String(type)}`);
    }
  }
}

function integer(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw new Error("RESP protocol error: bad integer");
  return value;
}
