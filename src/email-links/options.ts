import { ConfigurationError } from "../core/errors.js";
import type { Mailer } from "../ports/mailer.js";

/** What both plugins need from the stores: users to read and update, and an atomic single-use store for the tokens. */
export type EmailLinkRequirements = { users: "any"; singleUse: "atomic" };

export const DEFAULT_TTL_SECONDS = 600;
export const MIN_TTL_SECONDS = 60;
export const MAX_TTL_SECONDS = 86_400;
export const DEFAULT_MIN_RESPONSE_MS = 500;

/** 0.4 took `origin` as a plugin option; a silently ignored one would mail links elsewhere. */
export function refuseMovedOrigin(plugin: string, options: object): void {
  if ("origin" in options) throw new ConfigurationError(`${plugin}: the origin option moved to settings.publicOrigin (createAuth({ settings: { publicOrigin } }))`);
}

export function checkTtl(plugin: string, value: unknown): number {
  const ttl = value ?? DEFAULT_TTL_SECONDS;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS) {
    throw new ConfigurationError(`${plugin}: ttlSeconds must be an integer between ${MIN_TTL_SECONDS} and ${MAX_TTL_SECONDS}`);
  }
  return ttl;
}

export function checkMailer(plugin: string, value: unknown): Mailer {
  if (typeof (value as Mailer | undefined)?.send !== "function") {
    throw new ConfigurationError(`${plugin}: mailer must have a send(message) function (devMailer() or httpMailer({...}) from portcullis/mail)`);
  }
  return value as Mailer;
}

export function checkMinResponseMs(plugin: string, value: unknown): number {
  const ms = value ?? DEFAULT_MIN_RESPONSE_MS;
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0 || ms > 10_000) {
    throw new ConfigurationError(`${plugin}: minResponseMs must be an integer between 0 and 10000`);
  }
  return ms;
}

/** The name shown in mail, checked at start-up; undefined: the public origin's host. */
export function checkAppName(plugin: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "" || value.length > 100 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new ConfigurationError(`${plugin}: appName must be 1 to 100 characters on one line`);
  }
  return value.trim();
}
