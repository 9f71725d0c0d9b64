import type { RequestContext } from "./request.js";
import type { User } from "./user-store.js";

export interface RiskAssessment {
  /** 0 (no risk) to 100. */
  score: number;
  action: "allow" | "challenge" | "deny";
  /** Stable signal codes, recorded in the audit event. */
  signals: string[];
}

export interface RiskInput {
  action: "sign_in" | "sign_up";
  method: string;
  user: User;
}

/** Phase 6 plugs real scoring in here; with none registered the stage allows. */
export interface RiskEvaluator {
  evaluate(input: RiskInput, ctx: RequestContext): Promise<RiskAssessment>;
}
