/**
 * The Odoo and OpenAI stand-ins in a process of their own, so a benchmark's process holds only the
 * sidecar's work. Prints one JSON line with their addresses, then serves until killed.
 *
 *   npx tsx bench/standins-process.ts <odooLatencyMs> <modelLatencyMs>
 */
import { startOdooStandin } from "../src/standin/odoo/index.js";
import { FakeOpenAI } from "../test/fakes/openai-server.js";

const [odooLatency = 5, modelLatency = 20] = process.argv.slice(2).map(Number);
const odoo = await startOdooStandin({ latencyMs: odooLatency });
const model = await new FakeOpenAI().start();
model.respond = (req) => {
  const number = /(?:案號：|Case number: )(\S+)/.exec(req.prompt)?.[1] ?? "";
  return { kind: "answer", answer: `您的案件 ${number} 依卷宗記載進行中。`, case_numbers: [number], delayMs: modelLatency };
};
console.log(JSON.stringify({ odoo: odoo.url, db: odoo.db, botPassword: odoo.botPassword, model: model.baseURL }));
