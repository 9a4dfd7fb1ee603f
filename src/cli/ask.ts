import { composeAnswer, type Composition, type Question } from "../pipeline/answer-ticket.js";
import type { Policy } from "../pipeline/policy.js";
import { clientByEmail, ticketQuestion } from "./client-lookup.js";
import { estimateCost, formatCost } from "./cost.js";
import { withEnvironment, type CliEnvironment } from "./environment.js";
import { CliError, println, type CliIO } from "./io.js";

export interface AskOptions {
  ticket?: number;
  partner?: string;
  channel: "email" | "line";
  policy: Policy;
}

/** What the client would receive under the plan; only a sent answer carries case data. */
export function outcomeText(c: Composition): string {
  switch (c.plan.kind) {
    case "send":
      return `sent to the client:\n${c.plan.reply}`;
    case "draft":
      return `held as a draft for a paralegal (${c.plan.why.split("\n")[0]}); the client gets the acknowledgement fallback/review.\nDraft:\n${c.plan.reply}`;
    case "escalate":
      return `a person takes over (${c.plan.why}); the client gets the holding reply fallback/${c.plan.fallback}.`;
  }
}

function report(io: CliIO, q: Question, c: Composition): void {
  const section = (title: string, body: string) => {
    println(io.stdout, `── ${title} ${"─".repeat(Math.max(0, 60 - title.length))}`);
    println(io.stdout, body);
  };
  println(io.stdout, `client: ${q.client.name} (partner ${q.client.id}) · channel ${q.channel} · policy ${q.policy} · language ${c.lang}`);
  println(io.stdout, `question: ${q.text}`);
  if (c.prompt) {
    section("prompt: system", c.prompt.system);
    section("prompt: user", c.prompt.user);
  }
  if (c.result) section(`answer (${c.result.model}, ${c.latencyMs} ms)`, c.result.output.answer);
  if (c.verdict) section("check", c.verdict.passed ? `passed${c.verdict.groundedFacts.length ? ` · facts stated: ${c.verdict.groundedFacts.join(", ")}` : ""}` : `FAILED: ${c.verdict.problems.join("; ")}`);
  section("outcome", outcomeText(c));
  if (c.result) {
    const u = c.result.usage;
    section("usage", `tokens in ${u.inputTokens} (cached ${u.cachedTokens}) / out ${u.outputTokens} · estimated cost ${formatCost(estimateCost(c.result.model, u))}`);
  }
}

async function question(env: CliEnvironment, text: string | undefined, opts: AskOptions): Promise<Question | string> {
  if (opts.ticket !== undefined) {
    const { ticket, text: asked, client, senderAuth } = await ticketQuestion(env.core.odoo, opts.ticket);
    return { text: asked, client, channel: ticket.lexreply_channel ?? "email", policy: ticket.lexreply_policy, senderAuth };
  }
  if (!text?.trim()) throw new CliError('give the question: lexreply ask --partner EMAIL "question"');
  const sender = await clientByEmail(env.core.odoo, opts.partner!);
  if (!sender.partner) return sender.why;
  return { text, client: sender.partner, channel: opts.channel, policy: opts.policy, senderAuth: null };
}

/** `lexreply ask`: the whole answer step as a dry run; nothing is written to Odoo, nothing is sent. */
export async function askCommand(io: CliIO, text: string | undefined, opts: AskOptions): Promise<number> {
  if ((opts.ticket === undefined) === (opts.partner === undefined)) throw new CliError("give either --ticket N or --partner EMAIL");
  return withEnvironment(io, async (env) => {
    const q = await question(env, text, opts);
    if (typeof q === "string") {
      println(io.stdout, `no client identified: ${q}.\nThe pipeline would send the holding reply fallback/unknown_client and give a paralegal an activity; no case data is disclosed.`);
    } else {
      report(io, q, await composeAnswer(env.core.pipeline, q));
    }
    println(io.stdout, "dry run: nothing was posted to Odoo and nothing was sent.");
    return 0;
  });
}
