export { normalizePath, parseList, publicPathMatcher } from "./paths.js";
export { safeReturnPath } from "./return-path.js";
export { failClosedResponse, isBrowserNavigation, unauthenticatedResponse, type UnauthenticatedOptions } from "./responses.js";
export {
  encodeHeaderValue,
  identityHeaders,
  IDENTITY_HEADER_PREFIX,
  IDENTITY_HEADERS,
  removeSessionCredentials,
  stripIdentityHeaders,
  withIdentityHeaders,
  type CredentialRemovalOptions,
} from "./identity-headers.js";
export { accessPolicy, type AccessDecision, type AccessOptions, type AccessPolicy } from "./policy.js";
