/**
 * Sidecar overhead per answer: wall time of a whole answer minus the time spent waiting on Odoo and
 * on the model, with both stand-ins at a fixed latency. Also Odoo round trips per answer (target 2:
 * the nested read and lexreply_apply) and per LINE intake (target 1: lexreply_line_intake), the ms
 * from /ask to the final state, and the prompt's size in tokens for a client with five matters.
 * Prints numbers; asserts nothing.
 *
 *   npx tsx bench/answer-overhead.ts [answers=300] [odooLatencyMs=5] [modelLatencyMs=20]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Writable } from "node:stream";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { buildCore, type SidecarConfig } from "../src/sidecar.js";
import { answerTicket } from "../src/pipeline/answer-ticket.js";
import { lineIntake } from "../src/channels/line/odoo-records.js";
import type { Answerer } from "../src/llm/answerer.js";

const [answers = 300, odooLatency = 5, modelLatency = 20] = process.argv.slice(2).map(Number);

const standins = spawn(process.execPath, ["--import", "tsx", "bench/standins-process.ts", String(odooLatency), String(modelLatency)], { stdio: ["ignore", "pipe", "inherit"] });
const [line] = (await once(standins.stdout, "data")) as [Buffer];
const urls = JSON.parse(line.toString()) as { odoo: string; db: string; botPassword: string; model: string };
const config = loadConfig({
  ODOO_URL: urls.odoo, ODOO_DB: urls.db, ODOO_API_KEY: urls.botPassword, ASK_SECRET: "bench-secret-0123456789",
  LLM_MODE: "openai", OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: urls.model,
}) as SidecarConfig;
const core = buildCore(config, createLogger("warn", new Writable({ write: (_c, _e, cb) => cb() })));
const admin = new OdooClient({ url: urls.odoo, db: urls.db, login: "admin", apiKey: "admin", timeoutMs: 10_000 });

// Time spent waiting on the outside world, measured at the edge where the sidecar calls it.
let waitedMs = 0;
const odooCall = core.odoo.executeKw.bind(core.odoo);
core.odoo.executeKw = (async (...args: Parameters<typeof odooCall>) => {
  const t = performance.now();
  try {
    return await odooCall(...args);
  } finally {
    waitedMs += performance.now() - t;
  }
}) as typeof core.odoo.executeKw;
const realAnswerer = core.pipeline.answerer;
const timedAnswerer: Answerer = {
  name: realAnswerer.name,
  async answer(req) {
    const t = performance.now();
    try {
      return await realAnswerer.answer(req);
    } finally {
      waitedMs += performance.now() - t;
    }
  },
};
core.pipeline.answerer = timedAnswerer;

// A client with five matters (陳美玲 has one; four more), for the prompt size.
const [meiling] = await admin.executeKw<{ id: number; lexreply_line_user_id: string }[]>("res.partner", "search_read", [[["email", "=", "meiling.chen@example.tw"]]], { fields: ["lexreply_line_user_id"] });
const [team] = await admin.executeKw<{ id: number }[]>("helpdesk.ticket.team", "search_read", [[["lexreply_policy", "=", "auto"]]], { fields: ["id"], limit: 1 });
const five = meiling!.id;
for (let i = 1; i <= 4; i++) {
  await admin.executeKw("legal.case", "create", [{
    name: `附加案件 ${i}`, number: `2026-CIV-09${i}0`, partner_id: five, case_type: "civil", state: "in_progress", court: "臺灣臺北地方法院",
    client_summary: "本件已遞狀，等待法院通知。", update_ids: [[0, 0, { date: `2026-11-0${i}`, summary: "已向法院遞送書狀。", client_visible: true }]],
  }]);
}

async function newTicket(channel: "line" | "email") {
  const ticketId = await admin.executeKw<number>("helpdesk.ticket", "create", [{ name: "進度", description: "進度", partner_id: five, team_id: team!.id, lexreply_channel: channel, lexreply_line_user_id: channel === "line" ? meiling!.lexreply_line_user_id : false }]);
  const posted = await admin.executeKw<string>("helpdesk.ticket", "message_post", [[ticketId]], { body: "我想了解目前離婚訴訟案件的進展", author_id: five, message_type: channel === "line" ? "comment" : "email", subtype_xmlid: "mail.mt_comment" });
  const messageId = Number(/\((\d+)/.exec(posted)![1]);
  await admin.executeKw("helpdesk.ticket", "write", [[ticketId], { lexreply_state: "pending", lexreply_last_message_id: messageId }]);
  return { ticketId, messageId };
}
const tickets = [];
for (let i = 0; i < answers; i++) tickets.push(await newTicket("line"));
core.pipeline.line = { alreadySent: () => null, send: async (_target, _text, outcome) => outcome("reply") };

await core.odoo.authenticate();
const WARMUP = Math.min(30, Math.floor(answers / 10));
const overheads: number[] = [];
const roundTrips: number[] = [];
const toFinal: number[] = [];
for (const [i, t] of tickets.entries()) {
  const callsBefore = core.odoo.calls;
  waitedMs = 0;
  const started = performance.now();
  const outcome = await answerTicket(core.pipeline, { ...t, repeat: false });
  // The first answers pay for JIT compilation and template compilation; a running sidecar has paid them.
  if (i >= WARMUP) {
    overheads.push(performance.now() - started - waitedMs);
    toFinal.push(performance.now() - started);
  }
  roundTrips.push(core.odoo.calls - callsBefore);
  if (outcome.state !== "sent") throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
let lastPrompt = { system: "", user: "" };
const promptSeen: Answerer = { name: "x", answer: async (req) => ((lastPrompt = req), timedAnswerer.answer(req)) };
core.pipeline.answerer = promptSeen;
await answerTicket(core.pipeline, { ...(await newTicket("line")), repeat: false });
const { system, user } = lastPrompt;
// Loaded only now: the tokenizer's tables are large enough that their garbage would show up as sidecar time.
const { encode } = await import("gpt-tokenizer/encoding/o200k_base");
console.log(`answers: ${answers} (first ${WARMUP} as warm-up; LINE ticket, policy auto), Odoo stand-in ${odooLatency} ms/call, model ${modelLatency} ms`);
console.log(`sidecar overhead per answer: p50 ${pct(overheads, 50).toFixed(2)} ms, p99 ${pct(overheads, 99).toFixed(2)} ms, max ${Math.max(...overheads).toFixed(2)} ms`);
console.log(`Odoo round trips per answer (after login): min ${Math.min(...roundTrips)}, max ${Math.max(...roundTrips)} (target 2)`);
console.log(`ms from /ask to the final state (read, model, lexreply_apply): p50 ${pct(toFinal, 50).toFixed(1)} ms, p99 ${pct(toFinal, 99).toFixed(1)} ms`);
console.log(`prompt for a client with 5 matters: ${encode(system).length + encode(user).length} tokens (o200k_base): static system part ${encode(system).length} first, client part ${encode(user).length}`);

const before = core.odoo.calls;
await answerTicket(core.pipeline, { ...(await newTicket("email")), repeat: false });
console.log(`Odoo round trips for an e-mail answer: ${core.odoo.calls - before} (target 2)`);

// A LINE message's intake: partner, open ticket, post — one call (the post-commit /ask goes nowhere here).
const intakeBefore = core.odoo.calls;
await lineIntake(core.odoo, { webhook_event_id: "bench-event-1", line_user_id: meiling!.lexreply_line_user_id, text: "請問進度", as_note: false, note: false });
console.log(`Odoo round trips per LINE intake: ${core.odoo.calls - intakeBefore} (target 1)`);
standins.kill();
