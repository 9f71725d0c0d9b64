import type { AccessStore } from "../ports/access-store.js";
import type { ApiKeyStore } from "../ports/api-key-store.js";
import type { AuditSink } from "../ports/audit-sink.js";
import type { ChallengeProvider } from "../ports/challenge.js";
import type { Consistency } from "../ports/consistency.js";
import type { CounterStore } from "../ports/counter-store.js";
import type { CredentialStore } from "../ports/credential-store.js";
import type { KeyStore } from "../ports/key-store.js";
import type { RiskEvaluator } from "../ports/risk-evaluator.js";
import type { SessionStore } from "../ports/session-store.js";
import type { SingleUseStore } from "../ports/single-use-store.js";
import type { User, UserStore } from "../ports/user-store.js";
import type { Auditor } from "./audit.js";
import type { Clock, PluginRoute, Random, RequestContext } from "../ports/request.js";
import type { Attempt, PipelineResult } from "./pipeline.js";
import type { AuthResult } from "./read-path.js";
import type { SessionResponseOptions } from "./session-response.js";
import type { Settings } from "./settings.js";
import { ConfigurationError } from "./errors.js";

export type { PluginRoute };

export interface Stores {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  audit: AuditSink;
  /** Needed only by the JWT strategy. */
  keys?: KeyStore;
  /** Rate limits, attempt budgets: plugins that need them declare `counters: "atomic"`. */
  counters?: CounterStore;
  /** Magic links, refresh rotation, replay marks: plugins declare `singleUse: "atomic"`. */
  singleUse?: SingleUseStore;
  /** API keys as principals: when present, `authenticate()` accepts `pk_...` keys (bearer or `settings.apiKeyHeader`). */
  apiKeys?: ApiKeyStore;
  /** Tenant memberships, role attachments and grants: sessions act in the user's tenant when present. */
  access?: AccessStore;
}

export type StoreName = keyof Stores;

/** What a plugin needs from each store: `atomic` refuses an eventually consistent one. */
export type Requirements = Partial<Record<StoreName, "any" | "atomic">>;

/** A plugin sees only the stores it declared. */
export type PortsFor<R extends Requirements> = { [K in keyof R & StoreName]-?: NonNullable<Stores[K]> };

/** Something happened to an account that a plugin may act on (send a verification mail, warn the owner). */
export type UserEvent =
  | { type: "signed_up"; user: User }
  /** Sign-up with an address that is taken, while `requireVerifiedEmail` hides that from the visitor. */
  | { type: "sign_up_conflict"; email: string };

export type UserEventListener = (event: UserEvent, ctx: RequestContext) => Promise<void>;

export interface PluginParts {
  routes?: PluginRoute[];
  /** Called after the event; a rejection is swallowed (the plugin audits its own failures). */
  onUserEvent?: UserEventListener;
  /** Fills the risk stage; at most one plugin may. */
  risk?: RiskEvaluator;
  /** Appended to the challenge stage, in plugin order. */
  challenges?: ChallengeProvider[];
}

/**
 * What core lends every plugin besides the stores it declared: the read path (a plugin route
 * learns who calls from it, never from the request body), the auditor, time and randomness.
 */
export interface PluginHost {
  readonly settings: Settings;
  authenticate(ctx: RequestContext): Promise<AuthResult>;
  /**
   * Runs a sign-in attempt through the pipeline (risk, challenges, session, audit) and answers
   * with the session: JSON, or a 303 to `redirectTo` with the cookie set. The only way a plugin
   * issues a session, so no sign-in method skips the audit or the risk stage.
   */
  signIn(attempt: Attempt, ctx: RequestContext, options: SessionResponseOptions): Promise<Response>;
  /**
   * `signIn` in two steps, for a route that must act between the decision and the answer
   * (sign-up tells listeners about the new account): runs the pipeline, answers nothing yet.
   */
  attempt(attempt: Attempt, ctx: RequestContext): Promise<PipelineResult>;
  /** The HTTP answer for a pipeline result: cookie or bearer, JSON or redirect (`signIn`'s second step). */
  sessionResponse(result: PipelineResult, options: SessionResponseOptions): Response;
  /** Tells every plugin's `onUserEvent` (an account made by OAuth, say); listener failures are swallowed. */
  emitUserEvent(event: UserEvent, ctx: RequestContext): Promise<void>;
  readonly audit: Auditor;
  readonly clock: Clock;
  readonly random: Random;
}

/** A feature: a plain object, registered explicitly, off unless listed. */
export interface Plugin<R extends Requirements = Requirements> {
  id: string;
  requires: R;
  setup(ports: PortsFor<R>, host: PluginHost): PluginParts;
}

export interface Registry {
  routes: PluginRoute[];
  userEvents: UserEventListener[];
  risk: RiskEvaluator | null;
  challenges: ChallengeProvider[];
}

export function definePlugin<R extends Requirements>(plugin: Plugin<R>): Plugin<R> {
  return plugin;
}

/** Checks every declared requirement once, at start-up; a mismatch throws `ConfigurationError`. */
export function registerPlugins(plugins: readonly Plugin[], stores: Stores, host: PluginHost): Registry {
  const registry: Registry = { routes: [], userEvents: [], risk: null, challenges: [] };
  const seen = new Set<string>();
  for (const plugin of plugins) {
    if (seen.has(plugin.id)) throw new ConfigurationError(`plugin "${plugin.id}" is registered twice`);
    seen.add(plugin.id);
    const ports: Record<string, unknown> = {};
    for (const [name, need] of Object.entries(plugin.requires) as [StoreName, "any" | "atomic"][]) {
      const store = stores[name];
      if (store === undefined) throw new ConfigurationError(`plugin "${plugin.id}" requires the ${name} store, which is not configured`);
      const consistency: Consistency | undefined = "consistency" in store ? store.consistency : undefined;
      if (need === "atomic" && consistency !== "atomic") {
        throw new ConfigurationError(
          `plugin "${plugin.id}" requires an atomic ${name} store, but the configured one is ${consistency ?? "of unknown consistency"}`,
        );
      }
      ports[name] = store;
    }
    const parts = plugin.setup(ports as PortsFor<Requirements>, host);
    if (parts.risk !== undefined) {
      if (registry.risk !== null) throw new ConfigurationError(`plugin "${plugin.id}" adds a second risk evaluator`);
      registry.risk = parts.risk;
    }
    registry.challenges.push(...(parts.challenges ?? []));
    registry.routes.push(...(parts.routes ?? []));
    if (parts.onUserEvent !== undefined) registry.userEvents.push(parts.onUserEvent);
  }
  return registry;
}
