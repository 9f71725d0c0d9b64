/**
 * The admin HTTP API (`portcullis/admin`): `adminApi({ authorizer })` is a plugin for
 * `createAuth({ plugins })`. Route table, permissions and error reasons: ./plugin.ts,
 * ./errors.ts, and the route modules in ./routes/.
 */
export { adminApi, type AdminApiOptions } from "./plugin.js";
export type { AdminRequirements } from "./context.js";
export type { AdminEventType } from "./audit.js";
export { API_KEY_LIFETIME, MAX_SCOPES } from "./routes/api-keys.js";
export { SERVICE_DOMAIN } from "./service-identifier.js";
