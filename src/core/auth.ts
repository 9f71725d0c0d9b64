import type { TokenStrategyProvider } from "../ports/token-strategy.js";
import type { Clock, Random } from "./context.js";
import type { Plugin, Stores } from "./plugins.js";
import type { AuthResult } from "./read-path.js";
import type { Settings, SettingsInput } from "./settings.js";

export interface AuthOptions {
  stores: Stores;
  /**
   * Features, each a plain object: `emailPassword({ hasher })` (portcullis/password),
   * `oauth(...)`, `magicLink(...)`, `adminApi(...)`. Nothing is on unless listed.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each plugin carries its own requirement type
  plugins?: readonly Plugin<any>[];
  settings?: SettingsInput;
  /** How sessions become tokens: `opaqueTokens()` (default) or `jwtTokens({ issuer, audience })`. */
  tokens?: TokenStrategyProvider;
  clock?: Clock;
  random?: Random;
}

export interface Auth {
  /** The HTTP surface under `settings.basePath`. Never throws: every failure is a Response. */
  handle(request: Request): Promise<Response>;
  /** The read path for middleware and the gateway. Throws `StorageError` when a store fails. */
  authenticate(request: Request): Promise<AuthResult>;
  readonly settings: Settings;
}
