import type { RequestContext } from "./request.js";
import type { RiskAssessment } from "./risk-evaluator.js";
import type { User } from "./user-store.js";

/**
 * A challenge stage can end a sign-in with "not yet": MFA, step-up and email
 * verification are challenges, not flags in the core.
 */
export type ChallengeDecision =
  | { required: false }
  | {
      required: true;
      /** Stable id of the challenge kind, e.g. "totp", "email_verification". */
      kind: string;
      /** Safe to show the client (no secrets): what to do next. */
      data?: Record<string, string | number | boolean>;
    };

export interface ChallengeInput {
  action: "sign_in" | "sign_up";
  method: string;
  user: User;
  amr: readonly string[];
  risk: RiskAssessment;
}

export interface ChallengeProvider {
  readonly kind: string;
  decide(input: ChallengeInput, ctx: RequestContext): Promise<ChallengeDecision>;
}
