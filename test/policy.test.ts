import assert from "node:assert/strict";
import { decide, type DecisionInput } from "../src/pipeline/policy.js";

const passed = { passed: true, problems: [], groundedFacts: ["2026-FAM-0012"] };
const base: DecisionInput = { policy: "auto", verdict: passed, needsHuman: false, channel: "email", senderAuth: "pass", senderAuthPolicy: "hold_on_fail" };

describe("answer policies", () => {
  it("never sends an answer that failed the check, under any policy", () => {
    for (const policy of ["auto", "review", "auto_if_grounded"] as const) {
      const d = decide({ ...base, policy, verdict: { passed: false, problems: ["date x"], groundedFacts: [] } });
      assert.equal(d.action, "escalate", policy);
    }
  });

  it("auto sends a checked answer; review always drafts", () => {
    assert.equal(decide(base).action, "send");
    assert.equal(decide({ ...base, policy: "review" }).action, "draft");
  });

  it("auto_if_grounded sends only a grounded answer that needs no person", () => {
    assert.equal(decide({ ...base, policy: "auto_if_grounded" }).action, "send");
    assert.equal(decide({ ...base, policy: "auto_if_grounded", needsHuman: true }).action, "draft");
    assert.equal(decide({ ...base, policy: "auto_if_grounded", verdict: { ...passed, groundedFacts: [] } }).action, "draft");
  });

  it("holds e-mail whose sender failed authentication, and only where the policy says so", () => {
    assert.equal(decide({ ...base, senderAuth: "fail" }).action, "escalate");
    assert.equal(decide({ ...base, senderAuth: "fail", senderAuthPolicy: "trust_all" }).action, "send");
    assert.equal(decide({ ...base, senderAuth: "none", senderAuthPolicy: "require_pass" }).action, "escalate");
    assert.equal(decide({ ...base, senderAuth: "fail", channel: "line" }).action, "send");
  });
});
