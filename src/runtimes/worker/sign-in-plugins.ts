/**
 * The 0.4 ways in, built from the checked configuration: OAuth / OIDC providers, and with a
 * mailer, magic links and address verification. Returns the plugins for `createAuth` and what
 * the sign-in page offers, so the two cannot disagree.
 */
import { emailVerification, magicLink } from "../../email-links/index.js";
import type { SignInAlternatives } from "../../gateway/index.js";
import { ConfigurationError, type OAuthProvider, type Plugin } from "../../index.js";
import { devMailer, httpMailer, inboxPage, type DevMailer, type Mailer } from "../../mail/index.js";
import { githubProvider, googleProvider, oauth, oidcProvider } from "../../oauth/index.js";
import type { GatewayConfig } from "./config.js";
import type { MailConfig } from "./mail-config.js";
import type { OAuthProviderSpec } from "./oauth-config.js";

export interface SignInPlugins {
  plugins: Plugin<any>[];
  signIn: SignInAlternatives;
  /** Set only with DEV_INBOX. */
  devInbox?: () => Response;
}

/**
 * One dev mailer per isolate, not per gateway: the inbox must show what an earlier request
 * sent even if the runtime hands a later request a different env object (a new gateway).
 * Development only (config.ts refuses DEV_INBOX off localhost).
 */
let isolateDevMailer: DevMailer | undefined;

export function signInPlugins(config: Pick<GatewayConfig, "publicOrigin" | "oauthProviders" | "mail">, basePath: string): SignInPlugins {
  const plugins: Plugin<any>[] = [];
  const signIn: SignInAlternatives = { providers: [], magicLink: false };
  const result: SignInPlugins = { plugins, signIn };
  // config.ts guarantees PUBLIC_ORIGIN (settings.publicOrigin, which the plugins read) whenever
  // providers or a mailer are configured.
  const origin = config.publicOrigin;
  if (origin === null) return result;

  if (config.oauthProviders.length > 0) {
    // Failures land on the sign-in page as ?error=<code> (explained there), not as JSON.
    plugins.push(oauth({ providers: config.oauthProviders.map(provider), errorRedirect: `${basePath}/sign-in` }));
    signIn.providers = config.oauthProviders.map(({ id, label }) => ({ id, label }));
  }
  if (config.mail !== null) {
    const mailer = buildMailer(config.mail);
    // The owner of a taken address (sign-up conflict notice) is pointed at our sign-in page.
    plugins.push(magicLink({ mailer }), emailVerification({ mailer, signInUrl: `${origin}${basePath}/sign-in` }));
    signIn.magicLink = true;
    if (config.mail.kind === "dev-inbox") {
      const inbox = mailer as DevMailer;
      result.devInbox = () => inboxPage(inbox);
    }
  }
  return result;
}

/**
 * config.ts has checked every value already; should a provider still refuse one, the error names
 * the variables it came from (the provider's own message names options, never values).
 */
function provider(spec: OAuthProviderSpec): OAuthProvider {
  try {
    return buildProvider(spec);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const source = spec.kind === "oidc" ? `OIDC_PROVIDERS ("${spec.id}")` : `${spec.kind.toUpperCase()}_CLIENT_ID / ${spec.kind.toUpperCase()}_CLIENT_SECRET`;
    throw new ConfigurationError(`${source}: ${error.message}`);
  }
}

function buildProvider(spec: OAuthProviderSpec): OAuthProvider {
  switch (spec.kind) {
    case "oidc":
      return oidcProvider({ id: spec.id, issuer: spec.issuer, clientId: spec.clientId, clientSecret: spec.clientSecret });
    case "google":
      return googleProvider({ clientId: spec.clientId, clientSecret: spec.clientSecret });
    case "github":
      return githubProvider({ clientId: spec.clientId, clientSecret: spec.clientSecret });
  }
}

function buildMailer(mail: MailConfig): Mailer {
  if (mail.kind === "http") return httpMailer({ endpoint: mail.endpoint, apiKey: mail.apiKey, from: mail.from });
  // The console line (with the link) shows up in the `wrangler dev` terminal: handy locally.
  isolateDevMailer ??= devMailer({ console: true });
  return isolateDevMailer;
}
