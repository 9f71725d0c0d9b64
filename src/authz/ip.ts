/**
 * IPv4 / IPv6 addresses and CIDR ranges for the `ipInCidr` condition. Strict
 * parsing: dotted quads without leading zeros (so `010.0.0.1` is not read as
 * octal), RFC 4291 text forms with at most one `::` and an optional embedded
 * IPv4 tail; zone ids (`fe80::1%eth0`) and brackets are refused. An IPv4-mapped
 * IPv6 address (`::ffff:10.0.0.1`, what dual-stack sockets report) is treated as
 * the IPv4 address. IPv4 ranges match only IPv4 addresses, IPv6 ranges only IPv6.
 */
export interface IPAddress {
  v4: boolean;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
}

export interface CIDR {
  v4: boolean;
  bytes: Uint8Array;
  prefix: number;
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

export function parseIPv6(text: string): Uint8Array | null {
  if (text.length > 45 || text.length < 2) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIPv4(part);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!HEX_GROUP.test(part)) return null;
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 tail is only allowed at the very end.
  if (halves.length === 2 && halves[0]!.includes(".")) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = words[i]! >> 8;
    bytes[i * 2 + 1] = words[i]! & 0xff;
  }
  return bytes;
}

/** Null for anything that is not exactly one address. */
export function parseIP(text: unknown): IPAddress | null {
  if (typeof text !== "string") return null;
  if (text.includes(":")) {
    const bytes = parseIPv6(text);
    if (bytes === null) return null;
    if (isV4Mapped(bytes)) return { v4: true, bytes: bytes.slice(12) };
    return { v4: false, bytes };
  }
  const bytes = parseIPv4(text);
  return bytes === null ? null : { v4: true, bytes };
}

/** `10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128. Host bits are ignored. Null when invalid. */
export function parseCIDR(text: string): CIDR | null {
  const slash = text.indexOf("/");
  const address = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (address === null) return null;
  // IPv4 ranges are written as IPv4: a mapped range (`::ffff:10.0.0.0/104`) would need its prefix re-based.
  if (address.v4 && text.includes(":")) return null;
  const max = address.v4 ? 32 : 128;
  if (slash < 0) return { ...address, prefix: max };
  const prefixText = text.slice(slash + 1);
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix > max ? null : { ...address, prefix };
}

export function cidrContains(range: CIDR, address: IPAddress): boolean {
  if (range.v4 !== address.v4) return false;
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (range.bytes[i] !== address.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[full]! & mask) === (address.bytes[full]! & mask);
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}
