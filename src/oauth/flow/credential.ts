/**
 * OAuth accounts are credentials of type "oauth" whose identifier is "<provider id>:<subject>":
 * identity is the (provider, subject) pair, never the email (ASVS 6.8). The pair is unique across
 * users (the credential stores enforce unique (type, identifier)). There is nothing secret to keep,
 * so `secret` is the empty string: the proof is the provider's answer at each sign-in.
 */
export const OAUTH_CREDENTIAL_TYPE = "oauth";

/** Provider ids are `[a-z0-9-]`, so the first ":" always ends the provider part. */
export function oauthIdentifier(providerId: string, subject: string): string {
  return `${providerId}:${subject}`;
}

export function providerOfIdentifier(identifier: string | null): string | null {
  if (identifier === null) return null;
  const colon = identifier.indexOf(":");
  return colon <= 0 ? null : identifier.slice(0, colon);
}
