import type { ChallengeProvider } from "../ports/challenge.js";
import type { VerificationResult } from "../ports/credential-verifier.js";
import type { RiskAssessment, RiskEvaluator } from "../ports/risk-evaluator.js";
import type { IssuedToken, TokenStrategy } from "../ports/token-strategy.js";
import type { User } from "../ports/user-store.js";
import type { Auditor } from "./audit.js";
import type { RequestContext } from "./context.js";
import { AuditError, AuthError } from "./errors.js";

export type PipelineAction = "sign_in" | "sign_up";

export interface Attempt {
  action: PipelineAction;
  /** Credential kind, e.g. "password"; recorded in the audit trail. */
  method: string;
  /** Identity resolution and credential verification (for sign-up: creating the identity). */
  verify(): Promise<VerificationResult>;
  /** Undoes what `verify` wrote when a later stage refuses (sign-up's new user). */
  undo?(user: User): Promise<void>;
}

export type PipelineResult =
  | { kind: "session"; user: User; issued: IssuedToken }
  /** `requireVerifiedEmail`: a new account whose address is not verified yet gets no session. */
  | { kind: "verification_required"; user: User }
  | { kind: "challenge"; user: User; challenge: { kind: string; data: Record<string, string | number | boolean> } };

export interface Pipeline {
  run(attempt: Attempt, ctx: RequestContext): Promise<PipelineResult>;
}

const NO_RISK: RiskAssessment = { score: 0, action: "allow", signals: [] };

/**
 * identity + credential -> risk -> challenge -> session. Stages return outcomes;
 * only this function writes audit events, one per decision, so no stage can
 * skip the trail. A session leaves only after its success event is written: if
 * the sink fails, the session is revoked before the token was ever shown.
 */
export function createPipeline(deps: {
  strategy: TokenStrategy;
  audit: Auditor;
  risk: RiskEvaluator | null;
  challenges: readonly ChallengeProvider[];
  /** The tenant a new session acts in; absent: none. A failure rejects (StorageError) and no session is issued. */
  tenantOf?: (user: User) => Promise<string | null>;
  /** Sign-in needs `user.emailVerified`; sign-up then ends without a session. */
  requireVerifiedEmail?: boolean;
}): Pipeline {
  return {
    async run(attempt: Attempt, ctx: RequestContext): Promise<PipelineResult> {
      const base = { type: attempt.action, detail: { method: attempt.method } };
      let user: User | null = null;
      let audited = false;
      const audit = async (record: Parameters<Auditor>[0]): Promise<void> => {
        audited = true;
        await deps.audit(record, ctx);
      };
      try {
        const verification = await attempt.verify();
        if (!verification.ok) {
          await audit({ ...base, outcome: "failure", reason: verification.reason, userId: verification.user?.id ?? null });
          throw new AuthError("invalid_credentials", "invalid email or password");
        }
        user = verification.user;
        // Service accounts act only through their API keys, never through a session.
        if (user.kind !== "user") return await refuse(user, "not_a_person", base.detail);
        if (deps.requireVerifiedEmail === true && !user.emailVerified) {
          if (attempt.action === "sign_up") {
            await audit({ ...base, outcome: "success", reason: "verification_required", userId: user.id });
            return { kind: "verification_required", user };
          }
          // After the credential check: only someone holding the proof learns the address is unverified.
          await audit({ ...base, outcome: "failure", reason: "email_not_verified", userId: user.id });
          throw new AuthError("email_not_verified", "verify your email address first");
        }

        const input = { action: attempt.action, method: attempt.method, user };
        const risk = deps.risk === null ? NO_RISK : await deps.risk.evaluate(input, ctx);
        const riskDetail = { ...base.detail, risk: risk.score, signals: risk.signals.join(",") };
        // A risk "deny" after a correct password answers like a wrong one: no password oracle.
        if (risk.action === "deny") return await refuse(user, "risk_denied", riskDetail);

        for (const provider of deps.challenges) {
          const decision = await provider.decide({ ...input, amr: verification.amr, risk }, ctx);
          if (decision.required) {
            await audit({ ...base, outcome: "challenge", reason: decision.kind, userId: user.id, detail: riskDetail });
            return { kind: "challenge", user, challenge: { kind: decision.kind, data: decision.data ?? {} } };
          }
        }
        // Risk asked for a challenge no registered provider can give: fail closed.
        if (risk.action === "challenge") return await refuse(user, "challenge_unavailable", riskDetail);

        const tenantId = deps.tenantOf === undefined ? null : await deps.tenantOf(user);
        const issued = await deps.strategy.issue({ user, amr: verification.amr, tenantId }, ctx);
        try {
          await audit({ ...base, outcome: "success", reason: "ok", userId: user.id, sessionId: issued.session.id, detail: riskDetail });
        } catch (error) {
          await deps.strategy.revoke(issued.session, ctx).catch(() => undefined);
          throw error;
        }
        return { kind: "session", user, issued };
      } catch (error) {
        if (user !== null && attempt.undo !== undefined && (error instanceof AuditError || isStorage(error))) {
          await attempt.undo(user).catch(() => undefined);
        }
        if (isStorage(error)) {
          // Record that the store failed; if the sink fails too, the 503 stands.
          await deps.audit({ ...base, outcome: "failure", reason: "storage_unavailable", userId: user?.id ?? null }, ctx).catch(() => undefined);
        } else if (error instanceof AuthError && !audited) {
          // A refusal raised inside a stage (e.g. email_taken) is still a decision to record.
          await audit({ ...base, outcome: "failure", reason: error.code, userId: user?.id ?? null });
        }
        throw error;
      }

      async function refuse(who: User, reason: string, detail: Record<string, string | number>): Promise<never> {
        await audit({ ...base, outcome: "failure", reason, userId: who.id, detail });
        if (attempt.undo !== undefined) await attempt.undo(who);
        throw attempt.action === "sign_in"
          ? new AuthError("invalid_credentials", "invalid email or password")
          : new AuthError("forbidden", "sign-up refused");
      }
    },
  };
}

function isStorage(error: unknown): boolean {
  return error instanceof AuthError && error.code === "storage_unavailable";
}
