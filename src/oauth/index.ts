/**
 * OAuth 2.0 / OpenID Connect sign-in (`portcullis/oauth`): `oauth({ providers })` is a
 * plugin for `createAuth({ plugins })`. Route table: ./plugin.ts; the flow: ./flow/.
 */
export { oauth } from "./plugin.js";
export { DEFAULT_STATE_TTL, type OAuthOptions } from "./flow/options.js";
export type { OAuthRequirements } from "./flow/deps.js";
export type { OAuthFlowFailureReason } from "./flow/failure.js";
/** The browser-binding cookie's name and attributes (a gateway strips it before proxying). */
export { bindingCookie, type BindingCookie } from "./flow/binding-cookie.js";
export { OAUTH_CREDENTIAL_TYPE, oauthIdentifier } from "./flow/credential.js";
export type { AuthorizationUrlInput, CallbackInput, OAuthProfile, OAuthProvider } from "../ports/oauth-provider.js";
export * from "./providers/index.js";
