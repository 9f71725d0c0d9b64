import type { Random } from "../core/context.js";

/**
 * Users need a unique email, and a service account has none. It gets an email-SHAPED
 * identifier that can never be delivered: the `.invalid` TLD is reserved (RFC 2606 s.2),
 * so no mail can reach it and nobody can own the domain, and the shape follows the GCP
 * convention for service-account ids. `<slug>-<16 hex>@service.invalid`, already in the
 * normal form `normalizeEmail` produces (lower-case dot-atom, at most 64 in the local part).
 */
export const SERVICE_DOMAIN = "service.invalid";

export function serviceIdentifier(name: string, random: Random): string {
  const slug =
    name
      .normalize("NFKD")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 30)
      .replace(/-+$/, "") || "service";
  const suffix = [...random.bytes(8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${slug}-${suffix}@${SERVICE_DOMAIN}`;
}
