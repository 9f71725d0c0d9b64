/**
 * Portcullis: the public surface. Runtime leaves live at subpaths
 * (portcullis/hono, portcullis/next, portcullis/worker); adapters at
 * portcullis/adapters/*. Core never imports them.
 */
export { createAuth, type Auth, type AuthOptions } from "./core/create-auth.js";
export type { ApiKeyAuthResult, AuthResult, SessionAuthResult } from "./core/read-path.js";
export { issueApiKey, parseApiKey, verifyApiKey, type IssueApiKeyInput, type IssuedApiKey, type ApiKeyEnv } from "./credentials/api-key.js";
export { AuthError, AuditError, ConfigurationError, ConflictError, StorageError, type AuthErrorCode } from "./core/errors.js";
export { fixedClock, systemClock, cryptoRandom, type Clock, type Random, type RequestContext } from "./core/context.js";
export { definePlugin, type Plugin, type PluginParts, type PluginRoute, type Requirements, type Stores } from "./core/plugins.js";
export type { Settings, SettingsInput } from "./core/settings.js";
export { opaqueTokens } from "./sessions/opaque.js";
export { jwtTokens, SESSION_JWT_TYPE, type JWTTokensOptions } from "./sessions/jwt.js";
export { argon2idHasher, argon2idJSHasher, pbkdf2Hasher, passwordHashing } from "./credentials/password/index.js";
export { generateKey } from "./sessions/keyring.js";
export { createAuthorizer, attributePolicies, auditToSink, memoryAssignments, subjectFrom } from "./authz/index.js";
export type * from "./ports/index.js";
