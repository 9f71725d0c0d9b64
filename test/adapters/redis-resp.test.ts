/** The RESP2 encoder and incremental parser, without a server (Node and workerd). */
import { describe, expect, test } from "vitest";
import { encodeCommand, RedisReplyError, RespParser, type RespReply } from "../../src/adapters/redis/resp.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

describe("RESP2", () => {
  test("commands are arrays of bulk strings with byte lengths", () => {
    expect(text(encodeCommand(["SET", "k", "é🚀", ""]))).toBe("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\né🚀\r\n$0\r\n\r\n");
  });

  const wire = "+OK\r\n-ERR bad\r\n:42\r\n:-3\r\n$-1\r\n$6\r\né🚀\r\n$4\r\na\r\nb\r\n*-1\r\n*0\r\n*3\r\n$1\r\nx\r\n*2\r\n:1\r\n-NOSCRIPT gone\r\n$-1\r\n";
  const expected = (): RespReply[] => ["OK", new RedisReplyError("ERR bad"), 42, -3, null, "é🚀", "a\r\nb", null, [], ["x", [1, new RedisReplyError("NOSCRIPT gone")], null]];

  test("parses every reply type, errors nested in arrays included", () => {
    const replies = new RespParser().feed(bytes(wire));
    expect(replies).toEqual(expected());
    expect(replies[1]).toBeInstanceOf(RedisReplyError);
  });

  test("replies split at any byte come out the same, once", () => {
    const all = bytes(wire);
    for (const step of [1, 2, 3, 7]) {
      const parser = new RespParser();
      const replies: RespReply[] = [];
      for (let i = 0; i < all.length; i += step) replies.push(...parser.feed(all.subarray(i, i + step)));
      expect(replies).toEqual(expected());
    }
  });

  test("bytes that are not RESP2 throw (the connection is then dropped)", () => {
    expect(() => new RespParser().feed(bytes("?what\r\n"))).toThrow(/protocol error/);
    expect(() => new RespParser().feed(bytes(":12x\r\n"))).toThrow(/protocol error/);
  });
});
