/**
 * Round trips and latency on a REAL Odoo 18 with the addon (opt-in): an e-mail answer from the addon's
 * signed /ask to the final state (nested read, instant stand-in model, lexreply_apply), and a LINE
 * message's intake. Uses the addon's demo data (a team with LexReply on, a client with an open matter);
 * sets a password on lexreply-bot and points lexreply.sidecar_url at this process (put back afterwards).
 *
 *   REAL_ODOO_URL=http://127.0.0.1:8069 REAL_ODOO_DB=<db> [REAL_ODOO_ADMIN_PASSWORD=admin] npx tsx bench/real-odoo.ts [answers=20]
 */
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { lineIntake } from "../src/channels/line/odoo-records.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { OdooClient } from "../src/odoo/client.js";
import { buildSidecar, type SidecarConfig } from "../src/sidecar.js";
import { FakeOpenAI } from "../test/fakes/openai-server.js";

const url = process.env.REAL_ODOO_URL;
const db = process.env.REAL_ODOO_DB;
if (!url || !db) {
  console.log("bench:real-odoo skipped: set REAL_ODOO_URL and REAL_ODOO_DB");
  process.exit(0);
}
const answers = Number(process.argv[2] ?? 20);
const admin = new OdooClient({ url, db, login: "admin", apiKey: process.env.REAL_ODOO_ADMIN_PASSWORD ?? "admin", timeoutMs: 30_000 });
const run = Date.now().toString(36);
const botPassword = `bench-${run}`;
const [bot] = await admin.executeKw<{ id: number }[]>("res.users", "search_read", [[["login", "=", "lexreply-bot"]]], { fields: ["id"] });
await admin.executeKw("res.users", "write", [[bot!.id], { password: botPassword }]);
const [team] = await admin.executeKw<{ id: number; lexreply_policy: string }[]>("helpdesk.ticket.team", "search_read", [[["lexreply_enabled", "=", true]]], { fields: ["lexreply_policy"], limit: 1 });
const [matter] = await admin.executeKw<{ partner_id: [number, string] }[]>("legal.case", "search_read", [[["partner_id.email", "!=", false], ["state", "not in", ["settled", "closed"]]]], { fields: ["partner_id"], limit: 1 });
if (!team || !matter) throw new Error("the database has no LexReply team or no client with an open matter (install with demo data)");
const client = matter.partner_id[0];

const model = await new FakeOpenAI().start();
const secret = `bench-secret-${run}`;
const finished = new Map<number, number>();
const sink = new Writable({
  write(chunk, _e, done) {
    const line = JSON.parse(chunk.toString()) as { msg?: string; ticketId?: number };
    if (line.msg?.startsWith("answer ") && line.ticketId) finished.set(line.ticketId, performance.now());
    done();
  },
});
const config = loadConfig({ ODOO_URL: url, ODOO_DB: db, ODOO_API_KEY: botPassword, ASK_SECRET: secret, LLM_MODE: "openai", OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: model.baseURL }) as SidecarConfig;
const { app, core } = buildSidecar(config, createLogger("info", sink));
const server = await new Promise<import("node:http").Server>((r) => {
  const s = app.listen(0, "127.0.0.1", () => r(s));
});
const asked = new Map<number, number>();
const submit = core.jobs.submit.bind(core.jobs);
core.jobs.submit = (ticketId, messageId) => {
  asked.set(ticketId, performance.now());
  return submit(ticketId, messageId);
};
let modelMs = 0;
const answerer = core.pipeline.answerer;
core.pipeline.answerer = { name: answerer.name, answer: async (req) => { const t = performance.now(); try { return await answerer.answer(req); } finally { modelMs += performance.now() - t; } } };

// Where Odoo's time goes: each of the pipeline's calls, by method.
const perMethod = new Map<string, number[]>();
const call = core.odoo.executeKw.bind(core.odoo);
core.odoo.executeKw = (async (...args: Parameters<typeof call>) => {
  const t = performance.now();
  try {
    return await call(...args);
  } finally {
    const list = perMethod.get(args[1]) ?? [];
    list.push(performance.now() - t);
    perMethod.set(args[1], list);
  }
}) as typeof core.odoo.executeKw;

const params = ["lexreply.sidecar_url", "lexreply.ask_secret", "lexreply.autoreply_cap"];
const before = await Promise.all(params.map((k) => admin.executeKw<string | false>("ir.config_parameter", "get_param", [k])));
await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.sidecar_url", `http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.ask_secret", secret]);
await admin.executeKw("ir.config_parameter", "set_param", ["lexreply.autoreply_cap", "100000"]);
await admin.executeKw("helpdesk.ticket.team", "write", [[team.id], { lexreply_policy: "auto" }]);
await core.odoo.authenticate();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
try {
  const endToEnd: number[] = [];
  const overhead: number[] = [];
  const trips: number[] = [];
  for (let i = 0; i < answers; i++) {
    const ticketId = await admin.executeKw<number>("helpdesk.ticket", "create", [{ name: `bench ${run} ${i}`, description: "進度", partner_id: client, team_id: team.id }]);
    const calls = core.odoo.calls;
    modelMs = 0;
    await admin.executeKw("helpdesk.ticket", "message_post", [[ticketId]], { body: "請問我的案件目前進度如何？", author_id: client, message_type: "email", subtype_xmlid: "mail.mt_comment" });
    await core.jobs.drain();
    const start = asked.get(ticketId);
    const end = finished.get(ticketId);
    if (start === undefined || end === undefined) throw new Error(`ticket ${ticketId}: no /ask arrived or no outcome`);
    if (i > 0) {
      endToEnd.push(end - start);
      overhead.push(end - start - modelMs);
    }
    trips.push(core.odoo.calls - calls);
  }
  console.log(`real Odoo ${url} (${db}): ${answers} e-mail answers (the first as warm-up), stand-in model answering at once`);
  console.log(`Odoo round trips per answer (after login): min ${Math.min(...trips)}, max ${Math.max(...trips)} (target 2)`);
  for (const [method, ms] of perMethod) console.log(`  ${method}: p50 ${pct(ms, 50).toFixed(0)} ms, p95 ${pct(ms, 95).toFixed(0)} ms`);
  perMethod.clear();
  console.log(`/ask → final state: p50 ${pct(endToEnd, 50).toFixed(0)} ms, p95 ${pct(endToEnd, 95).toFixed(0)} ms; minus the model: p50 ${pct(overhead, 50).toFixed(0)} ms, p95 ${pct(overhead, 95).toFixed(0)} ms`);

  const [linked] = await admin.executeKw<{ id: number; lexreply_line_user_id: string }[]>("res.partner", "search_read", [[["lexreply_line_user_id", "!=", false]]], { fields: ["lexreply_line_user_id"], limit: 1 });
  if (linked) {
    const times: number[] = [];
    const calls = core.odoo.calls;
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await lineIntake(core.odoo, { webhook_event_id: `bench-${run}-${i}`, line_user_id: linked.lexreply_line_user_id, text: "請問進度", as_note: true, note: "bench" });
      times.push(performance.now() - t);
    }
    console.log(`Odoo round trips per LINE intake: ${(core.odoo.calls - calls) / 10} (target 1); p50 ${pct(times, 50).toFixed(0)} ms`);
  } else console.log("LINE intake: no partner with a LINE id in this database; not measured");
} finally {
  await admin.executeKw("helpdesk.ticket.team", "write", [[team.id], { lexreply_policy: team.lexreply_policy }]);
  for (const [i, k] of params.entries()) await admin.executeKw("ir.config_parameter", "set_param", [k, before[i] || ""]);
  server.closeAllConnections();
  server.close();
  await model.close();
}
