import type { CheckVerdict } from "./fact-check.js";

export type Policy = "auto" | "review" | "auto_if_grounded";
export type SenderAuth = "pass" | "fail" | "none" | null;
export type SenderAuthPolicy = "trust_all" | "hold_on_fail" | "require_pass";

export type Decision =
  | { action: "send" }
  /** A paralegal approves it first; the client gets the neutral acknowledgement meanwhile. */
  | { action: "draft"; why: string }
  /** Not trustworthy: held as a draft, the client gets a holding reply and a person an activity. */
  | { action: "escalate"; why: string };

export interface DecisionInput {
  policy: Policy;
  verdict: CheckVerdict;
  needsHuman: boolean;
  channel: "email" | "line";
  senderAuth: SenderAuth;
  senderAuthPolicy: SenderAuthPolicy;
}

function senderUntrusted(i: DecisionInput): string | null {
  if (i.channel !== "email" || i.senderAuthPolicy === "trust_all") return null;
  if (i.senderAuth === "fail") return "the receiving server reports that the sender's address failed authentication (DMARC/DKIM/SPF)";
  if (i.senderAuthPolicy === "require_pass" && i.senderAuth !== "pass") return "the sender's address was not authenticated and the policy requires a pass";
  return null;
}

/** DESIGN.md "Policies": no policy ever sends an answer that failed the check. */
export function decide(i: DecisionInput): Decision {
  if (!i.verdict.passed) return { action: "escalate", why: `the answer failed the fact check: ${i.verdict.problems.join("; ")}` };
  const untrusted = senderUntrusted(i);
  if (untrusted) return { action: "escalate", why: untrusted };
  switch (i.policy) {
    case "auto":
      return { action: "send" };
    case "auto_if_grounded":
      if (i.needsHuman) return { action: "draft", why: "the model asked for a person (policy auto_if_grounded)" };
      if (i.verdict.groundedFacts.length === 0) return { action: "draft", why: "the answer states no fact of the client's matter (policy auto_if_grounded)" };
      return { action: "send" };
    case "review":
      return { action: "draft", why: "the team reviews every answer (policy review)" };
  }
}
