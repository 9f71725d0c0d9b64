/**
 * Portcullis: the public surface. Features are plugins at subpaths (portcullis/password,
 * portcullis/oauth, portcullis/email-links, portcullis/admin); runtime leaves too
 * (portcullis/hono, portcullis/next, portcullis/node, portcullis/worker) and the gateway engine
 * (portcullis/gateway); adapters at portcullis/adapters/*. Nothing here imports them.
 */
export { createAuth, type Auth, type AuthOptions } from "./create-auth.js";
export type { ApiKeyAuthResult, AuthResult, SessionAuthResult } from "./core/read-path.js";
export { issueApiKey, parseApiKey, verifyApiKey, type IssueApiKeyInput, type IssuedApiKey, type ApiKeyEnv } from "./credentials/api-key.js";
export { AuthError, AuditError, ConfigurationError, ConflictError, StorageError, type AuthErrorCode } from "./core/errors.js";
export { errorResponse } from "./core/http/respond.js";
export { fixedClock, systemClock, cryptoRandom } from "./core/context.js";
export {
  definePlugin,
  type Plugin,
  type PluginHost,
  type PluginParts,
  type Requirements,
  type Stores,
  type UserEvent,
  type UserEventListener,
} from "./core/plugins.js";
export type { Attempt, PipelineAction, PipelineResult } from "./core/pipeline.js";
export type { SessionResponseOptions } from "./core/session-response.js";
export type { AuditRecord, Auditor } from "./core/audit.js";
export type { Settings, SettingsInput } from "./core/settings.js";
export { normalizeEmail } from "./core/email.js";
export { safeReturnPath } from "./core/http/return-path.js";
export { opaqueTokens } from "./sessions/opaque.js";
export { jwtTokens, SESSION_JWT_TYPE, type JWTTokensOptions } from "./sessions/jwt.js";
export { generateKey } from "./sessions/keyring.js";
export { createAuthorizer, attributePolicies, auditToSink, memoryAssignments, subjectFrom } from "./authz/index.js";
export type * from "./ports/index.js";
